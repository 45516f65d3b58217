"""Measurement: monthly records and the yearly indicator table, the July survey as the Korea Hana
Foundation takes it, the published series, fit tables and calibration targets.
"""
