"""The hypothesis backlog: the use cases from idea to approval (``lifecycle``), pure rules and
ICE/RICE scoring (``rules``), the list with filters, bounds and health (``queries``) and the
CSV import (``csv_import``)."""
