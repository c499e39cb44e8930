"""SMS through one SMPP account over one or more binds, as the pipeline's provider."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .channels.base import Admit, Outcome, Outgoing, SendResult, SmsMessage

if TYPE_CHECKING:
    from .providers import ResultCallback


def sms_message(item: Outgoing) -> SmsMessage:
    return SmsMessage(to=item.destination, text=item.message.text, reference=str(item.delivery_id))


class _Turns:
    """Batches sent at once through one account hand their messages to the binds in the
    order they came: a batch's binds start on it once every earlier batch's messages have
    all been taken (their last answers may still be awaited). So a batch claimed while
    the one before it goes out waits whole, then has the binds to itself, and the two do
    not end together, each leaving the binds idle while the next is claimed."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._issued = 0
        self._done: set[int] = set()
        self._serving = 0

    def ticket(self) -> int:
        with self._changed:
            self._issued += 1
            return self._issued - 1

    def wait(self, ticket: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._serving >= ticket)

    def done(self, ticket: int) -> None:
        """The batch's messages are all taken (or it gave up): the next one's turn."""
        with self._changed:
            if ticket < self._serving:
                return  # said already
            self._done.add(ticket)
            while self._serving in self._done:
                self._done.discard(self._serving)
                self._serving += 1
            self._changed.notify_all()


class SmppProvider:
    """SMS through one SMPP account over one or more binds (SMPP clients): each bind
    takes the batch's next message whenever its window and rate have room, so the binds
    send in parallel and a slow one takes fewer. Batches sent at once (by one process's
    overlapping sends, `notifier/sendline.py`) take their turns (`_Turns`)."""

    admits = True

    def __init__(self, client: Any, *more: Any) -> None:
        self.clients = [client, *more]
        self.client = client
        self.name = client.config.name
        self._turns = _Turns()

    def _submit(
        self, messages: Iterator[tuple[SmsMessage, Any]], admit: Admit | None = None
    ) -> None:
        ticket = self._turns.ticket()
        try:
            self._submit_in_turn(self._in_turn(ticket, messages), admit)
        finally:
            self._turns.done(ticket)

    def _in_turn(
        self, ticket: int, messages: Iterator[tuple[SmsMessage, Any]]
    ) -> Iterator[tuple[SmsMessage, Any]]:
        """The messages once it is this batch's turn; the turn passes when the last has
        been taken."""
        self._turns.wait(ticket)
        yield from messages
        self._turns.done(ticket)

    def _submit_in_turn(
        self, messages: Iterator[tuple[SmsMessage, Any]], admit: Admit | None = None
    ) -> None:
        if len(self.clients) == 1:
            self.client.submit_many(messages, admit=admit)
            return
        lock = threading.Lock()
        numbered = enumerate(messages)

        def bind_share() -> tuple[Iterator[tuple[SmsMessage, Any]], Admit | None]:
            """The messages one bind takes, and `admit` by their place in the batch (a
            bind counts only its own)."""
            taken: list[int] = []

            def share() -> Iterator[tuple[SmsMessage, Any]]:
                while True:
                    with lock:
                        item = next(numbered, None)
                    if item is None:
                        return
                    taken.append(item[0])
                    yield item[1]

            if admit is None:
                return share(), None
            return share(), lambda k, block: admit(taken[k], block)

        binds = []
        for i, c in enumerate(self.clients):
            share, bind_admit = bind_share()
            binds.append(threading.Thread(target=c.submit_many, args=(share,),
                                          kwargs={"admit": bind_admit},
                                          name=f"{self.name}-bind{i}"))
        for bind in binds:
            bind.start()
        for bind in binds:
            bind.join()

    def send_batch(
        self,
        items: Sequence[Outgoing],
        on_result: ResultCallback | None = None,
        admit: Admit | None = None,
    ) -> list[SendResult]:
        results: dict[int, SendResult] = {}
        done = threading.Condition()

        def callback(index: int) -> Callable[[SmsMessage, SendResult], None]:
            def record(_message: SmsMessage, result: SendResult) -> None:
                with done:
                    if index in results:
                        return  # answered after we gave up on it below
                    results[index] = result
                    done.notify_all()
                if on_result is not None:
                    on_result(index, result)

            return record

        self._submit(((sms_message(item), callback(i)) for i, item in enumerate(items)), admit)
        timeout = self.client.config.response_timeout * 2 + 5
        missing = SendResult(Outcome.TEMPORARY_FAILURE, self.name, error="no response")
        late = []
        with done:
            done.wait_for(lambda: len(results) == len(items), timeout=timeout)
            for index in range(len(items)):
                if index not in results:
                    results[index] = missing
                    late.append(index)
        for index in late:
            if on_result is not None:
                on_result(index, missing)
        return [results[i] for i in range(len(items))]

    def response_time(self, since: float) -> float:
        """Seconds the SMSC takes to answer a submit, from answers since `since` (the
        slowest bind's)."""
        return max(c.response_time(since) for c in self.clients)

    def close(self) -> None:
        for client in self.clients:
            client.close()
