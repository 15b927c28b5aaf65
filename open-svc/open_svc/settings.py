"""open-svc settings: the shared ones, with this service's name."""

from __future__ import annotations

from pydantic import Field

from hub.settings import HubSettings


class Settings(HubSettings):
    service_name: str = "open"
    # Datasets (A24.1, A25.1): the catalogue has no licence element, so every open dataset is published under the
    # city's open licence named here (its URL, when it is one of the EU licence authority's, meets MQA's licence
    # vocabulary indicator); view and download tallies reach the counters every `open_counter_flush_seconds`.
    open_licence_title: str | None = "公共数据开放许可协议"
    open_licence_url: str | None = None
    open_counter_flush_seconds: float = Field(default=2.0, gt=0)
    # Applications (A24.2): how often the answer deadlines are swept for approaching and overdue ones.
    deadline_sweep_seconds: float = Field(default=600.0, gt=0)
