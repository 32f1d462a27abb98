"""Workshop kit: lesson frames and agendas, student notebooks, self-checking exercises, the setup check.

``from scalinglab.book.workshop import check`` is the one call a student notebook makes.
"""

from scalinglab.book.workshop.selfcheck import check

__all__ = ["check"]
