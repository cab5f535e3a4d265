"""Twilio's wire conventions, one module each: SIDs, errors, forms, paging, representations."""
