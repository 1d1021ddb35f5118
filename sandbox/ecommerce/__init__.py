"""Simulated Shopify GraphQL Admin API: two shops' orders, cost-based throttling and bulk operations."""
