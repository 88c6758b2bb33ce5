"""Bulk import of SPEC §11 files (``rmc import KIND FILE``): all or nothing, idempotent, audited.

A file is read batch by batch. Each batch is checked by the kind's rules (``domain.import_rows``), its
references are resolved against the store, and its rows are classified against the stored rows with
the same natural key: new (inserted), different (updated in place, same id) or equal (unchanged).
Everything happens in one transaction; any refused row anywhere in the file rolls it all back, so a
bad file changes nothing, and a dry run always rolls back. A successful import writes one summary
audit row and one audit row per updated entity (the changed fields before and after).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from rm_console.domain.dto import ImportReport, RowError
from rm_console.domain.errors import UserError
from rm_console.domain.import_rows import SPECS, CheckedRows, KindSpec, RowChecker, institution_cycles
from rm_console.services.import_files import PLAIN, SourceFile, open_source
from storage import audit
from storage import importing as store
from storage.engine import refresh_statistics
from storage.importing import TABLE_MAPS, StoreWriteError, TableMap

if TYPE_CHECKING:
    from rm_console.services.context import Services

#: ``progress(done_rows, total_rows)``: called after each batch.
Progress = Callable[[int, int], None]

#: What each table is called in messages about unresolved references.
_NAMED = {"institution": "institution", "staff": "staff member", "product": "product", "customer": "customer"}


class _Pending:
    """A parent institution defined earlier in the same file, not yet in the store."""

    __slots__ = ("code",)

    def __init__(self, code: str) -> None:
        self.code = code

    def __repr__(self) -> str:
        return f"<pending {self.code}>"


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: it would scan millions of row tuples again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class ImportService:
    """Bulk import of institutions, staff, products, customers, AUM, holdings and transactions."""

    def __init__(self, services: Services) -> None:
        self._services = services

    def run(
        self, kind: str, path: Path, *, dry_run: bool = False, progress: Progress | None = None
    ) -> ImportReport:
        """Import ``path`` (CSV or XLSX) as ``kind``; a report of what changed, or of every refused row.

        Raises UserError when the file cannot be read at all (missing, unsupported type, not UTF-8,
        not a workbook) or the store refuses the write.
        """
        spec = SPECS.get(kind)
        if spec is None:
            raise UserError(f"cannot import {kind!r}: the kinds are {', '.join(SPECS)}")
        source = open_source(path)
        try:
            with _gc_paused():
                return self._run(spec, source, path, dry_run=dry_run, progress=progress)
        finally:
            source.close()

    def _run(
        self, spec: KindSpec, source: SourceFile, path: Path, *, dry_run: bool, progress: Progress | None
    ) -> ImportReport:
        if not source.header:
            raise UserError(f"{path}: the file is empty; line 1 must name the columns")
        formats = [spec.columns[name].format if name in spec.columns else None for name in source.header]
        header_errors = spec.check_header(source.header)
        if header_errors:
            rows = sum(len(batch) for batch, _ in source.batches([fmt or PLAIN for fmt in formats]))
            return ImportReport(spec.kind, str(path), rows, errors=tuple(header_errors), dry_run=dry_run)
        engine = self._services.engine
        try:
            with engine.connect() as conn:
                transaction = conn.begin()
                try:
                    store.begin_import(conn, write=not dry_run)
                    job = _ImportJob(conn, spec, spec.checker(source.header), dry_run=dry_run)
                    for rows, lines in source.batches([fmt for fmt in formats if fmt is not None]):
                        job.add(rows, lines)
                        if progress is not None:
                            progress(job.rows, max(job.rows, source.estimated_rows))
                    job.finish()
                    if progress is not None:
                        progress(job.rows, job.rows)
                    report = job.report(str(path))
                    if report.errors or dry_run:
                        transaction.rollback()
                        return report
                    audit.record(
                        conn,
                        actor=self._services.audit_actor,
                        action="import",
                        entity=spec.kind,
                        after={
                            "file": str(path),
                            "rows": report.rows,
                            "inserted": report.inserted,
                            "updated": report.updated,
                            "unchanged": report.unchanged,
                        },
                    )
                    audit.record_many(conn, job.audit_rows, actor=self._services.audit_actor, action="import")
                    refresh_statistics(conn)
                    transaction.commit()
                    return report
                finally:
                    if transaction.is_active:
                        transaction.rollback()
        except (StoreWriteError, SQLAlchemyError) as exc:
            raise UserError(f"{path}: the store refused the import, so nothing was imported: {exc}") from None


@dataclass
class _ImportJob:
    """The state of one import: resolved codes, natural keys seen, counts, errors and audit rows."""

    conn: Connection
    spec: KindSpec
    checker: RowChecker
    dry_run: bool
    tmap: TableMap = field(init=False)
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    audit_rows: list[dict[str, Any]] = field(default_factory=list)
    _ids: dict[str, dict[str, int]] = field(default_factory=dict)
    _parents: list[tuple[str, str | None, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tmap = TABLE_MAPS[self.spec.kind]
        header = self.checker.header
        absent = self.spec.absent_values(header)
        self._absent: dict[str, Any] = dict(self.tmap.insert_defaults)
        for name, value in absent.items():
            column = self.tmap.fields.get(name)
            if column is not None:
                self._absent[column] = store.stored_form(self.conn, self.tmap, column, [value])[0]
        for ref in self.tmap.refs:
            if ref.column not in header:
                self._absent[ref.db_column] = None

    # -- one batch -----------------------------------------------------------------------------------

    def add(self, rows: list[Any], lines: list[int]) -> None:
        """Check, resolve, classify and (unless refused or a dry run) write one batch of rows."""
        self.rows += len(rows)
        checked = self.checker.check(rows, lines)
        self.errors.extend(checked.errors)
        checked = self._resolve(checked)
        if self.spec.kind == "institutions" and "parent_code" in checked.values:
            self._parents.extend(
                zip(checked.keys, checked.values["parent_code"], checked.lines, strict=False)
            )
        if len(checked):
            self._classify_and_write(checked)

    def _refuse(self, checked: CheckedRows, refused: dict[int, tuple[str, str]]) -> CheckedRows:
        for i, (column, message) in sorted(refused.items()):
            self.errors.append(RowError(checked.lines[i], column, message))
        return checked.without(set(refused))

    def _resolve(self, checked: CheckedRows) -> CheckedRows:
        """Turn reference codes into ids; a code the store (or, for a parent, the file) lacks is refused."""
        refused: dict[int, tuple[str, str]] = {}
        for ref in self.tmap.refs:
            codes = checked.values.get(ref.column)
            if codes is None:
                continue
            cache = self._ids.setdefault(ref.target, {})
            ids: list[Any] = list(map(cache.get, codes))
            if None in ids:
                missing = set(codes).difference(cache)
                missing.discard(None)
                if missing:
                    cache.update(store.lookup_ids(self.conn, ref.target, missing))
                    ids = list(map(cache.get, codes))
            if None in ids:
                for i, (code, id_) in enumerate(zip(codes, ids, strict=False)):
                    if id_ is not None or code is None:
                        continue
                    if ref.column == "parent_code":
                        first = self.checker.defined_line(code)
                        if first is not None and first < checked.lines[i]:
                            ids[i] = _Pending(code)
                            continue
                        where = f"; it is defined later, on line {first}" if first is not None else ""
                        message = f"no institution {code!r} in the store or earlier in this file{where}"
                    else:
                        message = f"no {_NAMED[ref.target]} {code!r} in the store"
                    refused.setdefault(i, (ref.column, message))
            checked.values[ref.db_column] = ids
        return self._refuse(checked, refused) if refused else checked

    def _classify_and_write(self, checked: CheckedRows) -> None:
        conn, tmap = self.conn, self.tmap
        values = checked.values
        data: dict[str, list[Any]] = {}
        for name, column in tmap.fields.items():
            if name in values:
                data[column] = store.stored_form(conn, tmap, column, values[name])
        for ref in tmap.refs:
            if ref.db_column in values:
                data[ref.db_column] = values[ref.db_column]
        compare = [column for column in data if column not in tmap.key_columns]
        if len(tmap.key_columns) == 1:
            keys: list[Any] = data[tmap.key_columns[0]]
        else:
            keys = list(zip(*(data[column] for column in tmap.key_columns), strict=False))
        existing = store.load_existing(conn, tmap, keys, compare)

        inserts: list[int] = []
        updates: list[tuple[int, tuple[Any, ...]]] = []
        news: list[tuple[Any, ...]] = []
        if not existing:
            inserts = list(range(len(keys)))
        else:
            news = (
                list(zip(*(data[column] for column in compare), strict=False))
                if compare
                else [()] * len(keys)
            )
            for i, old in enumerate(map(existing.get, keys)):
                if old is None:
                    inserts.append(i)
                elif old[1:] != news[i]:
                    updates.append((i, old))
                else:
                    self.unchanged += 1
        if self.spec.kind == "transactions" and updates and "product_id" in compare:
            updates = self._keep_used_sales(checked, compare, updates, news)
        self.inserted += len(inserts)
        self.updated += len(updates)
        if self.errors or self.dry_run:
            return
        self._write(checked, data, compare, keys, news, inserts, updates)

    def _keep_used_sales(
        self,
        checked: CheckedRows,
        compare: list[str],
        updates: list[tuple[int, tuple[Any, ...]]],
        news: list[tuple[Any, ...]],
    ) -> list[tuple[int, tuple[Any, ...]]]:
        """Refuse to take the product off a transaction whose sale already has credits or registrations."""
        at = compare.index("product_id")
        losing = {checked.keys[i]: i for i, old in updates if old[1 + at] is not None and news[i][at] is None}
        used = store.sales_in_use(self.conn, losing) if losing else set()
        if not used:
            return updates
        message = "the transaction's sale already has credits or registrations, so it must keep its product"
        for txn_id in sorted(used, key=losing.__getitem__):
            self.errors.append(RowError(checked.lines[losing[txn_id]], "product_code", message))
        refused = {losing[txn_id] for txn_id in used}
        return [(i, old) for i, old in updates if i not in refused]

    def _write(
        self,
        checked: CheckedRows,
        data: dict[str, list[Any]],
        compare: list[str],
        keys: list[Any],
        news: list[tuple[Any, ...]],
        inserts: list[int],
        updates: list[tuple[int, tuple[Any, ...]]],
    ) -> None:
        conn, tmap = self.conn, self.tmap
        key_columns = [column for column in tmap.key_columns if column not in compare]
        absent = list(self._absent.items())
        columns = key_columns + compare + [column for column, _ in absent]
        pending_at = compare.index("parent_id") if "parent_id" in compare else None
        fixups: list[tuple[str, str]] = []
        if inserts:
            parts = [data[column] for column in key_columns + compare] + [
                repeat(value) for _, value in absent
            ]
            rows = list(zip(*parts, strict=False))
            if len(inserts) != len(keys):
                rows = [rows[i] for i in inserts]
            if pending_at is not None:
                at = len(key_columns) + pending_at
                for n, row in enumerate(rows):
                    if isinstance(row[at], _Pending):
                        fixups.append((row[at].code, row[0]))
                        rows[n] = (*row[:at], None, *row[at + 1 :])
            store.insert_rows(conn, tmap, columns, rows)
        if pending_at is not None:
            wanted = {code for code, _ in fixups} | {
                news[i][pending_at].code for i, _ in updates if isinstance(news[i][pending_at], _Pending)
            }
            found = store.lookup_ids(conn, "institution", wanted) if wanted else {}
            store.set_parents(conn, ((found[parent], child) for parent, child in fixups))
            for i, _ in updates:
                if isinstance(news[i][pending_at], _Pending):
                    new = list(news[i])
                    new[pending_at] = found[new[pending_at].code]
                    news[i] = tuple(new)
        if updates:
            composite = len(tmap.pk_columns) > 1
            rows = []
            for i, old in updates:
                rows.append((*news[i], *old[0]) if composite else (*news[i], old[0]))
                before = {}
                after = {}
                for column, was, now in zip(compare, old[1:], news[i], strict=False):
                    if was != now:
                        before[column] = store.plain_value(tmap, column, was)
                        after[column] = store.plain_value(tmap, column, now)
                self.audit_rows.append(
                    {
                        "entity": tmap.entity,
                        "entity_id": _entity_id(checked.keys[i]),
                        "before": before,
                        "after": after,
                    }
                )
            store.update_rows(conn, tmap, compare, rows)
        if self.spec.kind == "transactions":
            product_ids = data.get("product_id")
            sold = [keys[i] for i in inserts if product_ids is not None and product_ids[i] is not None]
            store.sync_sales(conn, sold + [keys[i] for i, _ in updates])

    # -- the whole file ------------------------------------------------------------------------------

    def finish(self) -> None:
        """File-wide rules once every row is in: the institution tree has no cycle."""
        if not self._parents:
            return
        parent_of = store.institution_parents(self.conn)
        parent_of.update((code, parent) for code, parent, _ in self._parents)
        lines = {code: line for code, _, line in self._parents}
        for code, path in institution_cycles(parent_of, lines).items():
            self.errors.append(RowError(lines[code], "parent_code", f"makes a cycle: {' → '.join(path)}"))

    def report(self, file: str) -> ImportReport:
        """The report of the import; with errors, nothing counts as inserted, updated or unchanged."""
        if self.errors:
            order = {name: position for position, name in enumerate(self.checker.header)}
            errors = sorted(self.errors, key=lambda e: (e.line, order.get(e.column, len(order))))
            return ImportReport(self.spec.kind, file, self.rows, errors=tuple(errors), dry_run=self.dry_run)
        return ImportReport(
            self.spec.kind,
            file,
            self.rows,
            inserted=self.inserted,
            updated=self.updated,
            unchanged=self.unchanged,
            dry_run=self.dry_run,
        )


def _entity_id(key: Any) -> str:
    """The audit log's id of an imported row: its natural key as written (``cif:month`` for AUM)."""
    return ":".join(key) if isinstance(key, tuple) else str(key)
