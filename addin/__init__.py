"""Excel surface: the Collections ribbon (VBA text, ribbon XML) and its xlwings adapter."""
