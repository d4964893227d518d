"""List the Basic/VBA modules LibreOffice sees in a workbook (run with the system python3).

Why a separate script: LibreOffice's UNO bridge (python3-uno) is installed for the
system interpreter, not for the project's. The test runs this file with
``/usr/bin/python3 lo_probe.py MODULE FILE [FILE ...]`` (one LibreOffice start for all
files) and reads one JSON line mapping each FILE to its sheet names, each Basic
library's modules and what MODULE's ``DunningCommand("refresh_queue")`` returns when
LibreOffice's Basic compiles and runs it (it cannot compile xlwings.bas, so only ours).
"""

import json
import os
import subprocess
import sys
import tempfile
import time


def main() -> int:
    import uno

    module, paths = sys.argv[1], [os.path.abspath(p) for p in sys.argv[2:]]
    profile = tempfile.mkdtemp(prefix="lo_probe_")
    pipe = f"lo_probe_{os.getpid()}"
    proc = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "-env:UserInstallation=file://" + profile,
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        ctx = None
        for _ in range(120):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.25)
        if ctx is None:
            print(json.dumps({"error": "soffice did not start"}))
            return 2
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        print(json.dumps({p: _inspect(ctx, desktop, p, module) for p in paths}))
        return 0
    finally:
        try:
            proc.terminate()
            proc.wait(timeout=20)
        except Exception:
            proc.kill()


def _inspect(ctx, desktop, path, module):
    """Sheets, Basic libraries and the compile result of ``module`` for one file."""
    import uno
    from com.sun.star.beans import PropertyValue

    hidden = PropertyValue()
    hidden.Name, hidden.Value = "Hidden", True
    args = [hidden]
    if path.lower().endswith(".xlam"):  # no type detection for add-ins: name the filter
        flt = PropertyValue()
        flt.Name, flt.Value = "FilterName", "Calc MS Excel 2007 VBA XML"
        args.append(flt)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(path), "_blank", 0, tuple(args))
    libs = doc.BasicLibraries
    libraries: dict[str, list[str]] = {}
    compiled: dict[str, object] = {}
    for name in libs.ElementNames:
        libs.loadLibrary(name)
        libraries[name] = sorted(libs.getByName(name).ElementNames)
    for name, modules in libraries.items():
        if module in modules:
            compiled[module] = _compiles(ctx, libs.getByName(name).getByName(module))
    sheets = list(doc.Sheets.ElementNames)
    doc.close(True)
    return {"sheets": sheets, "libraries": libraries, "compiled": compiled}


def _compiles(ctx, source):
    """What ``DunningCommand`` returns once LibreOffice Basic compiled ``source``, or the error."""
    smgr = ctx.ServiceManager
    doc = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx).loadComponentFromURL(
        "private:factory/scalc", "_blank", 0, ()
    )
    try:
        libs = doc.BasicLibraries
        lib = libs.createLibrary("Probe")
        lib.insertByName("Probe", "Option VBASupport 1\n" + source)
        try:
            doc.BasicLibraries.loadLibrary("Probe")
            script = doc.getScriptProvider().getScript(
                "vnd.sun.star.script:Probe.Probe.DunningCommand?language=Basic&location=document"
            )
            return script.invoke(("refresh_queue",), (), ())[0]
        except Exception as exc:
            return f"error: {exc}"
    finally:
        doc.close(True)


if __name__ == "__main__":
    sys.exit(main())
