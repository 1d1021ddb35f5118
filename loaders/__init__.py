"""Thin dlt loaders: one package per source system, each landing records whole into RAW.

`SOURCES` maps a source key (as typed on `elt load`) to the module that loads it; adding a
source is a new package beside the others plus one line here.
"""

SOURCES: dict[str, str] = {
    "pestroutes": "loaders.pestroutes.pipeline",
    "service_csv": "loaders.service_csv.pipeline",
}
