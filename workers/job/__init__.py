"""A job's whole story: its row, every attempt, replays, Events and suppressions."""
