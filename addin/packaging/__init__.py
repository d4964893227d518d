"""Build-time code that turns the add-in text sources into .xlsm/.xlam binaries."""
