"""`erpmail status`: the whole system at a glance, from the broker and the database."""
