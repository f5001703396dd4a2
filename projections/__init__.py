"""The read side: projections of the event log into the read model served by GET."""
