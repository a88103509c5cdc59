"""Cooperation: bilateral requests (extraditions, evidence, financial intelligence, visas,
joint operations) with their delays measured, on records each country controls."""
