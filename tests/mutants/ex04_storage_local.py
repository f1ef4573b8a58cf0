"""Plausible mistakes in ex04_storage_local (see README.md in this folder)."""

MUTANTS = [
    dict(
        name="non-atomic save: the store file itself is opened with 'w' and written in place",
        file="store.py",
        find="""        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                for chunk in json_chunks(doc):
                    f.write(chunk)
                f.flush()  # Python's buffer -> the operating system
                os.fsync(f.fileno())  # the operating system -> the disk
            os.replace(tmp, self.path)  # atomic: readers see the old file or the new one, never a mix
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
""",
        replace="""        with open(self.path, "w", encoding="utf-8") as f:
            for chunk in json_chunks(doc):
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
""",
        expect=r"killed in the middle of a save left a broken store|found half-written JSON",
    ),
    dict(
        name="remove() drops every identity, not just the one asked for",
        file="store.py",
        find='del doc["identities"][name]',
        replace='doc["identities"] = {}',
        expect=r"must erase only bob",
    ),
    dict(
        name="floats rounded to 6 decimals on the way to JSON",
        file="store.py",
        find="return np.asarray(vector, dtype=np.float32).tolist()",
        replace="return [round(x, 6) for x in np.asarray(vector, dtype=np.float32).tolist()]",
        expect=r"come back bit for bit",
    ),
    dict(
        name="floats formatted with '%g' (6 significant digits) on the way to JSON",
        file="store.py",
        find="return np.asarray(vector, dtype=np.float32).tolist()",
        replace='return [float("%g" % x) for x in np.asarray(vector, dtype=np.float32).tolist()]',
        expect=r"come back bit for bit",
    ),
    dict(
        name="an embedding of another dimension is accepted",
        file="store.py",
        find="if matrix.shape[1] != self.dim:",
        replace="if False:",
        expect=r"another_dimension_is_refused",
    ),
    dict(
        name="an unparseable file is treated as an empty store (and overwritten by the next save)",
        file="store.py",
        find='raise StoreFormatError(f"{self.path} is not valid JSON ({exc}); it was left untouched")',
        replace="return self.empty_document()  # ",
        expect=r"could not be parsed was overwritten",
    ),
    dict(
        name="no lock around read-modify-write: concurrent enrollments lose updates",
        file="store.py",
        find="with self._lock:  # read-modify-write as one step: no other process writes in between",
        replace="if True:  # no lock",
        expect=r"updates were lost",
    ),
    dict(
        name="enrolling a known name replaces its embeddings instead of adding to them",
        file="store.py",
        find='doc["identities"].setdefault(name, []).extend(records)',
        replace='doc["identities"][name] = records',
        expect=r"must ADD embeddings",
    ),
    dict(
        name="a newer schema version is read as if it were this one",
        file="store.py",
        find="if version > SCHEMA_VERSION:",
        replace="if False:",
        expect=r"newer_schema_version_is_refused",
    ),
    dict(
        name="removing an identity only hides it: its records stay in the file",
        file="store.py",
        find='del doc["identities"][name]',
        replace='doc.setdefault("removed", {})[name] = doc["identities"].pop(name)',
        expect=r"still in the folder's files",
    ),
]
