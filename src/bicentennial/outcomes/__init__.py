"""Outcomes: the Framework's results scorecard from official series, with vintages and honest trends."""
