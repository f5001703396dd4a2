"""Wire types: the JSON shapes of requests and responses, decoded strictly at the edge (a
module per resource, and what they share)."""
