"""Plausible mistakes in ex04_storage_local (see README.md in this folder)."""

SAVE = """        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
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
"""

LOCKED_READ_MODIFY_WRITE = (
    "        with self._lock:  # read-modify-write as one step: no other process writes in between\n"
    "            doc = self.read_document()\n"
)

MUTANTS = [
    # step 1: exact floats
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
        name="decode_embedding trusts np.asarray: text and booleans become numbers",
        file="store.py",
        find="    check_stored_embedding(values, dim)\n",
        replace="",
        expect=r"call check_stored_embedding\(values, dim\) first",
    ),
    # step 2: atomic save
    dict(
        name="non-atomic save: the store file itself is opened with 'w' and written in place",
        file="store.py",
        find=SAVE,
        replace="""        with open(self.path, "w", encoding="utf-8") as f:
            for chunk in json_chunks(doc):
                f.write(chunk)
            f.flush()
            os.fsync(f.fileno())
""",
        expect=r"killed in the middle of a save left a broken store|found half-written JSON",
    ),
    dict(
        name="temporary file made in the system's temp folder, not the store's folder",
        file="store.py",
        find='tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")',
        replace='tempfile.mkstemp(suffix=".tmp")',
        expect=r"outside the store's folder",
    ),
    dict(
        name="a failed save leaves its temporary file behind",
        file="store.py",
        find="""            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise""",
        replace="""            raise""",
        expect=r"a failed save must delete its temporary file",
    ),
    # step 3: enroll under the lock
    dict(
        name="no lock around read-modify-write: concurrent enrollments lose updates",
        file="store.py",
        find="with self._lock:  # read-modify-write as one step: no other process writes in between",
        replace="if True:  # no lock",
        expect=r"updates were lost",
    ),
    dict(
        name="the file is read before taking the lock: only the write is locked",
        file="store.py",
        find=LOCKED_READ_MODIFY_WRITE,
        replace="""        doc = self.read_document()
        with self._lock:  # too late: another process may have written since the read
""",
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
        name="an unreadable store is 'repaired': enroll starts from an empty document and overwrites it",
        file="store.py",
        find=LOCKED_READ_MODIFY_WRITE,
        replace="""        with self._lock:
            try:
                doc = self.read_document()
            except StoreFormatError:
                doc = self.empty_document()
""",
        expect=r"never catch that error and start from an empty document|could not be read was overwritten",
    ),
    dict(
        name="the name is not checked",
        file="store.py",
        find="        name = check_name(name)\n",
        replace="",
        expect=r"is not a usable identity name: start with name = check_name\(name\)",
    ),
    dict(
        name="a private lock without a timeout instead of self._lock",
        file="store.py",
        find="with self._lock:  # read-modify-write as one step: no other process writes in between",
        replace='with __import__("filelock").FileLock(str(self.path) + ".lock"):',
        expect=r"enroll waited for the lock for over 5 s",
    ),
    # step 4: remove
    dict(
        name="remove() drops every identity, not just the one asked for",
        file="store.py",
        find='del doc["identities"][name]',
        replace='doc["identities"] = {}',
        expect=r"must erase only bob",
    ),
    dict(
        name="removing an identity only hides it: its records stay in the file",
        file="store.py",
        find='del doc["identities"][name]',
        replace='doc.setdefault("removed", {})[name] = doc["identities"].pop(name)',
        expect=r"still in the folder's files",
    ),
    dict(
        name="remove writes the file even when the name is not there",
        file="store.py",
        find="""            if name not in doc["identities"]:
                return False
            del doc["identities"][name]
            self.write_document(doc)  # the rewritten file no longer holds a single number of theirs
        return True""",
        replace="""            found = doc["identities"].pop(name, None) is not None
            self.write_document(doc)
        return found""",
        expect=r"removing nobody must not create the store file",
    ),
    # step 5: all_embeddings
    dict(
        name="all_embeddings returns (matrix, names), as the old README worded it",
        file="store.py",
        find="        return names, matrix\n",
        replace="        return matrix, names\n",
        expect=r"the list of names FIRST, then the matrix",
    ),
    dict(
        name="identities in the file's order, not sorted",
        file="store.py",
        find="for name in sorted(doc[\"identities\"]):",
        replace="for name in doc[\"identities\"]:",
        expect=r"identities sorted",
    ),
    dict(
        name="all_embeddings takes the lock itself: reading a store without a file creates the lock file",
        file="store.py",
        find="""        doc = self.snapshot()
        names: list[str] = []""",
        replace="""        with self._lock:
            doc = self.read_document()
        names: list[str] = []""",
        expect=r"read with self\.snapshot\(\)",
    ),
]
