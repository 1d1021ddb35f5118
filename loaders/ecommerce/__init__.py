"""Shopify orders over the GraphQL Admin API, one scope per shop, into raw_ecommerce."""

from loaders.common.source import Source

SOURCE = Source(
    name="ecommerce",
    dataset="raw_ecommerce",
    scope_kind="shop",
    entities=("orders", "order_id_sweeps"),
    description="Shopify orders with every line item and refund (GraphQL Admin API), per shop",
)
