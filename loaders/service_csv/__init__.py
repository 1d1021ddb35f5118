"""Service-request CSV exports dropped in S3, parsed and landed file by file into raw_service_csv."""

from loaders.common.source import Source

SOURCE = Source(
    name="service_csv",
    dataset="raw_service_csv",
    scope_kind="bucket",
    entities=(),
    description="service-request CSV exports in S3: records, rejected lines and a file manifest",
)
