"""The application: the ``resettle`` command line, run and comparison folders, charts and the
HTML report.
"""
