#!/usr/bin/python3
"""Contract test with a second driver: Debian's python3-pymongo connects to
mongosim (or MONGOSIM_CONTRACT_URI), writes, queries and watches a change
stream.  Run with /usr/bin/python3 (the python3 on PATH is not Debian's)."""

import os
import select
import subprocess
import sys
import threading
import unittest

import pymongo
from bson import ObjectId


def start_simulator():
    """Starts mongosim on a free port; returns (process, uri).  Waits for
    its "listening" line on stderr (no sleeps), at most 10 s."""
    exe = os.environ["MONGOSIM"]
    proc = subprocess.Popen([exe, "--port", "0", "--verbose"], stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stderr], [], [], 10)
    if not ready:
        proc.kill()
        raise RuntimeError("mongosim did not start within 10 s")
    line = proc.stderr.readline()
    if "listening on " not in line:
        proc.kill()
        raise RuntimeError("unexpected first line from mongosim: " + line)
    host = line.split("listening on ")[1].split()[0]
    # keep draining the log so the simulator never blocks on a full pipe
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    return proc, "mongodb://%s/?replicaSet=rs0" % host


class PymongoContract(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.proc = None
        uri = os.environ.get("MONGOSIM_CONTRACT_URI")
        if not uri:
            cls.proc, uri = start_simulator()
        cls.client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=5000)
        cls.db = cls.client["mongosim_pymongo_%d" % os.getpid()]

    @classmethod
    def tearDownClass(cls):
        cls.client.drop_database(cls.db.name)
        cls.client.close()
        if cls.proc is not None:
            cls.proc.terminate()
            cls.proc.wait(timeout=10)

    def test_write_and_query(self):
        coll = self.db.medicines
        coll.create_index([("tenantId", 1), ("sku", 1)], unique=True)
        res = coll.insert_many([{"tenantId": "t1", "sku": "A%02d" % i, "qty": i} for i in range(20)])
        self.assertEqual(len(res.inserted_ids), 20)
        self.assertIsInstance(res.inserted_ids[0], ObjectId)
        with self.assertRaises(pymongo.errors.DuplicateKeyError) as ctx:
            coll.insert_one({"tenantId": "t1", "sku": "A03"})
        self.assertEqual(ctx.exception.code, 11000)
        self.assertIn("dup key: { tenantId: \"t1\", sku: \"A03\" }", ctx.exception.details["errmsg"])
        docs = list(coll.find({"qty": {"$gte": 15}}, {"_id": 0, "sku": 1}).sort("qty", -1).limit(3))
        self.assertEqual(docs, [{"sku": "A19"}, {"sku": "A18"}, {"sku": "A17"}])
        upd = coll.update_many({"qty": {"$lt": 5}}, {"$inc": {"qty": 100}, "$set": {"low": True}})
        self.assertEqual(upd.modified_count, 5)
        self.assertEqual(coll.count_documents({"low": True, "qty": {"$gte": 100}}), 5)
        agg = list(coll.aggregate([{"$group": {"_id": "$low", "n": {"$sum": 1}}}, {"$sort": {"n": 1}}]))
        self.assertEqual(agg, [{"_id": True, "n": 5}, {"_id": None, "n": 15}])

    def test_change_stream(self):
        coll = self.db.watched
        coll.insert_one({"_id": "before"})
        with coll.watch(full_document="updateLookup", max_await_time_ms=200) as stream:
            coll.insert_one({"_id": 1, "tenantId": "t1"})
            coll.update_one({"_id": 1}, {"$set": {"v": 2}})
            ins = stream.next()
            self.assertEqual(ins["operationType"], "insert")
            self.assertEqual(ins["documentKey"], {"_id": 1})
            self.assertEqual(ins["ns"], {"db": self.db.name, "coll": "watched"})
            upd = stream.next()
            self.assertEqual(upd["operationType"], "update")
            self.assertEqual(upd["updateDescription"]["updatedFields"], {"v": 2})
            self.assertEqual(upd["fullDocument"], {"_id": 1, "tenantId": "t1", "v": 2})
            token = stream.resume_token
        coll.delete_one({"_id": 1})
        with coll.watch(resume_after=token, max_await_time_ms=200) as resumed:
            ev = resumed.next()
            self.assertEqual(ev["operationType"], "delete")
            self.assertEqual(ev["documentKey"], {"_id": 1})


if __name__ == "__main__":
    unittest.main(verbosity=2)
