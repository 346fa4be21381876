"""Replay a dead-letter topic: put each message back on the topic it came from, as it was.

Run it after fixing what made the messages fail. Consumers that had handled a message already
dedupe it by CloudEvents id; the one that failed handles it now.

    python -m onewindow_chassis.deadletter intake.events.dlq --bootstrap 127.0.0.1:9092
"""
from __future__ import annotations

import argparse
import asyncio

from . import kafka

_DLQ_HEADERS = {"dlq_reason", "dlq_consumer", "dlq_topic", "dlq_partition", "dlq_offset", "dlq_failed_at"}


async def replay(bootstrap: str, dlq_topic: str, *, group: str = "onewindow-dlq-replay", idle_seconds: float = 3.0) -> int:
    """Replay every dead letter not yet replayed by `group`; stop when none arrives for `idle_seconds`."""
    source = kafka.consumer(bootstrap, dlq_topic, group_id=group)
    sink = kafka.producer(bootstrap, client_id=group)
    await source.start()
    await sink.start()
    replayed = 0
    try:
        while True:
            batches = await source.getmany(timeout_ms=int(idle_seconds * 1000))
            if not batches:
                return replayed
            for partition, records in batches.items():
                for record in records:
                    headers = [(k, v) for k, v in record.headers if k not in _DLQ_HEADERS]
                    origin = dict(record.headers)["dlq_topic"].decode()
                    await sink.send_and_wait(origin, record.value, key=record.key, headers=headers)
                    replayed += 1
                await source.commit({partition: records[-1].offset + 1})
    finally:
        await source.stop()
        await sink.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dlq_topic")
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--group", default="onewindow-dlq-replay")
    args = parser.parse_args()
    count = asyncio.run(replay(args.bootstrap, args.dlq_topic, group=args.group))
    print(f"replayed {count} message(s) from {args.dlq_topic}")


if __name__ == "__main__":
    main()
