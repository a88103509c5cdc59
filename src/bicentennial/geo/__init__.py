"""Areas (countries, states, municipalities, counties), their centroids and populations."""
