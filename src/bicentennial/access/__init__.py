"""Countries, agencies, users, roles, API tokens, web sessions and the access policy."""
