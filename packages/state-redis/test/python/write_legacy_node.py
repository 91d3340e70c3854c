"""Writes one node the way the shipped Python state manager does: `{task_id}:{service}:{function}`.

Usage: write_legacy_node.py REDIS_URL TASK_ID TASK_NAME STATUS UPDATED_AT
Uses redis-py (Debian's python3-redis), as the original services do.
"""
import json
import sys

import redis

url, task_id, task_name, status, updated_at = sys.argv[1:6]
service, function = task_name.split(".", 1)
context = {
    "workflow_id": task_id,
    "create_at": "2026-01-29T00:00:00",
    "updated_at": updated_at,
    "input_params": {"task_name": task_name, "input_data": {"video_path": "demo.mp4"}, "callback_url": None},
    "shared_storage_path": f"/share/workflows/{task_id}",
    "stages": {
        task_name: {
            "status": status,
            "input_params": {"video_path": "demo.mp4"},
            "output": {"written_by": "python"},
            "error": None,
            "duration": 1.5,
        }
    },
    "error": None,
    "status": "completed" if status.upper() == "SUCCESS" else "running",
}
client = redis.Redis.from_url(url)
client.setex(f"{task_id}:{service}:{function}", 86400, json.dumps(context))
