"""Thin dlt loaders: one package per source system, each landing records whole into RAW.

`loaders/registry.py` lists the sources; `loaders/common/` is the plumbing they share.
"""
