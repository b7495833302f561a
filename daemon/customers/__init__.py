"""A customer's state and what WordPress is told of it: the connection's status, the lead, the
profile, followers and their trend, engagement, the sync schedule."""
