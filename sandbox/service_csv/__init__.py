"""The service-request CSV exports source: generated messy exports in a local S3 (moto)."""
