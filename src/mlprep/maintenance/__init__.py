"""The maintenance domain: catalogue, status rules, run engine, views, errors, counters, UV routine.

Pure Python: no FastAPI, no SQL. Stores and the instrument are passed in.
"""
