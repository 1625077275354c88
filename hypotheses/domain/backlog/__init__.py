"""The hypothesis backlog: the use cases from idea to approval (``lifecycle``; the commit, the
version check and the audited write in ``versions``), pure rules and ICE/RICE scoring
(``rules``, ``scoring``), the fields' labels (``fields``), the list with filters, bounds and
health (``queries``; its SQL in ``statements``), the board and the CSV import (``csv_mapping``,
``csv_import``)."""
