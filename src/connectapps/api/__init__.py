"""REST resources, one module each: they parse, call the domain, and render."""
