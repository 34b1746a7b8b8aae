"""The bounce worker: the event mailbox in, Event records (and suppressions) out.

``source`` is the interface a mailbox implements (``imap``, ``maildir``); ``pipeline``
handles one message; ``worker`` runs the loop; ``outbox`` publishes committed events.
"""
