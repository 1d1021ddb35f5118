"""The GraphQL documents the loader sends: the order fields RAW keeps (loaders/ecommerce/README.md).

One selection of order fields serves the paged read, the bulk backfill and the nested reads, so
every path lands the same record.
"""

from __future__ import annotations

MONEY = "shopMoney { amount currencyCode } presentmentMoney { amount currencyCode }"

LINE_ITEM = f"""
    id sku title variantTitle quantity currentQuantity
    originalUnitPriceSet {{ {MONEY} }}
    discountedUnitPriceSet {{ {MONEY} }}
    totalDiscountSet {{ {MONEY} }}
    product {{ id }} variant {{ id }} requiresShipping taxable
"""

REFUND_LINE_ITEM = f"lineItem {{ id }} quantity subtotalSet {{ {MONEY} }}"

ORDER_SCALARS = f"""
    id legacyResourceId name createdAt updatedAt processedAt cancelledAt cancelReason closedAt
    displayFinancialStatus displayFulfillmentStatus currencyCode test email
    customer {{ id }}
    subtotalPriceSet {{ {MONEY} }}
    totalDiscountsSet {{ {MONEY} }}
    totalTaxSet {{ {MONEY} }}
    totalPriceSet {{ {MONEY} }}
    currentTotalPriceSet {{ {MONEY} }}
    totalRefundedSet {{ {MONEY} }}
"""

PAGE_INFO = "pageInfo { hasNextPage endCursor }"


def orders_page(line_items: int, refunds: int, refund_line_items: int) -> str:
    """A page of orders changed since `$query`'s time, oldest change first, with the first
    `line_items` line items of each and `refund_line_items` of each of its first `refunds`
    refunds (the rest: ORDER_LINE_ITEMS and REFUND_LINE_ITEMS)."""
    return f"""
query Orders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, sortKey: UPDATED_AT, query: $query) {{
    nodes {{
      {ORDER_SCALARS}
      lineItems(first: {line_items}) {{ nodes {{ {LINE_ITEM} }} {PAGE_INFO} }}
      refunds(first: {refunds}) {{
        id createdAt totalRefundedSet {{ {MONEY} }}
        refundLineItems(first: {refund_line_items}) {{ nodes {{ {REFUND_LINE_ITEM} }} {PAGE_INFO} }}
      }}
    }}
    {PAGE_INFO}
  }}
}}"""


ORDER_LINE_ITEMS = f"""
query OrderLineItems($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{
    lineItems(first: $first, after: $after) {{ nodes {{ {LINE_ITEM} }} {PAGE_INFO} }}
  }}
}}"""

# `refunds` is a list, not a connection: `first` truncates it with no pageInfo to say so. An
# order that came back with as many refunds as asked for is read again with all of them.
ORDER_REFUNDS = f"""
query OrderRefunds($id: ID!, $refundLineItems: Int!) {{
  order(id: $id) {{
    refunds {{
      id createdAt totalRefundedSet {{ {MONEY} }}
      refundLineItems(first: $refundLineItems) {{ nodes {{ {REFUND_LINE_ITEM} }} {PAGE_INFO} }}
    }}
  }}
}}"""

REFUND_LINE_ITEMS = f"""
query RefundLineItems($id: ID!, $first: Int!, $after: String) {{
  refund(id: $id) {{
    refundLineItems(first: $first, after: $after) {{ nodes {{ {REFUND_LINE_ITEM} }} {PAGE_INFO} }}
  }}
}}"""

ORDER_IDS = f"""
query OrderIds($first: Int!, $after: String) {{
  orders(first: $first, after: $after, sortKey: ID) {{ nodes {{ id }} {PAGE_INFO} }}
}}"""


def bulk_orders(search: str | None) -> str:
    """The backfill's inner query: every order (changed since `search`'s time), every line item
    and refund line item. A bulk operation has no cost limit and no `first` on connections."""
    argument = f'(query: "{search}")' if search else ""
    return f"""{{
  orders{argument} {{
    edges {{ node {{
      {ORDER_SCALARS}
      lineItems {{ edges {{ node {{ {LINE_ITEM} }} }} }}
      refunds {{
        id createdAt totalRefundedSet {{ {MONEY} }}
        refundLineItems {{ edges {{ node {{ {REFUND_LINE_ITEM} }} }} }}
      }}
    }} }}
  }}
}}"""


# groupObjects: each line item and refund line item follows its order in the file, so the loader
# assembles one order at a time as it streams the file (ungrouped, Shopify's default since
# 2026-01, children may come anywhere and a whole shop would have to be held to assemble it).
RUN_BULK = """
mutation RunBulk($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
    bulkOperation { id status }
    userErrors { field message }
  }
}"""

CURRENT_BULK = """
query CurrentBulk {
  currentBulkOperation { id status errorCode objectCount url partialDataUrl }
}"""
