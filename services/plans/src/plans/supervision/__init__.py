"""Supervision (督导) and rectification (整改), issue #19: the province's visits, their findings per university and
the rectification each finding asks of the university."""
