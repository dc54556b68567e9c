"""What changed in the data, so each view can decide whether to reload (no Qt here)."""

from __future__ import annotations

from dataclasses import dataclass, field

ENTITIES = frozenset(
    {"cause", "location", "qualification", "volunteer", "event", "shift", "assignment"}
)


@dataclass(frozen=True)
class DataChange:
    """One announcement: which kinds of record changed, which ids, and who changed them.

    ``ids`` maps an entity to the ids that changed; an entity listed in ``entities`` but not in
    ``ids`` means "any of them may have changed".  ``by_me`` is false for changes another
    coordinator made on the shared file.
    """

    entities: frozenset[str]
    actor: str
    by_me: bool = True
    ids: dict[str, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, actor: str, *entities: str, by_me: bool = True, **ids: int) -> DataChange:
        """A change of ``entities``; keyword ids name single records (``event=3``)."""
        return cls(
            entities=frozenset(entities) | frozenset(ids),
            actor=actor,
            by_me=by_me,
            ids={name: frozenset({value}) for name, value in ids.items()},
        )

    @classmethod
    def everything(cls, actor: str, *, by_me: bool = True) -> DataChange:
        """Anything may have changed (a restore, an import, sample data)."""
        return cls(entities=ENTITIES, actor=actor, by_me=by_me)

    def touches(self, *entities: str) -> bool:
        """Whether any of ``entities`` changed."""
        return not self.entities.isdisjoint(entities)
