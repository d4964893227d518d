Attribute VB_Name = "DunningRibbon"
' Collections ribbon: every button calls DunningButton, which forwards the button's
' id to Python. A new button needs a line in customUI14.xml and a handler in
' addin/dunning_addin.py, never new VBA.
Option Explicit

Public Const DUNNING_ENTRY As String = "import addin.dunning_addin as d; d.on_button('"

Public Function DunningCommand(ByVal buttonId As String) As String
    DunningCommand = DUNNING_ENTRY & buttonId & "')"
End Function

Public Sub DunningButton(control As IRibbonControl)
    RunPython DunningCommand(control.Id)
End Sub
