"""Delivery of deauthorize callbacks from the outbox: a background sender in every server worker."""
