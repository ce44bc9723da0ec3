#!/usr/bin/env python3
"""Read egov's SDMX service with a real SDMX client, sdmx1 (`import sdmx`), and check what it reads.

    python3 scripts/sdmx_client_test.py BASE_URL [--start 2025-08] [--end 2025-09]
        [--areas 40+42] [--indicators RETAIL_SALES+EXPORTS] [--expect VN.RETAIL_SALES.2025-09=1700.7 ...]

What sdmx1 reads, and what it cannot:
  - structures: sdmx1 reads SDMX-ML 2.1 structure messages only (it has no SDMX-JSON structure
    reader); SDMX-ML 2.1 is egov's default, as the SDMX REST standard says, and a source defined
    with no headers reads structures and generic data with sdmx1's defaults; the SDMX-JSON
    structure message (asked for) is checked as plain JSON;
  - data: sdmx1 reads the SDMX-JSON 1.0 data message, and SDMX-CSV 2.0 given the data structure;
    it does not read SDMX-CSV 1.0, which is checked with Python's csv module.
Every observation carries OBS_STATUS (code list CL_OBS_STATUS): `P` for a provisional national
figure (not every province due has reported), `A` otherwise; it is read in every data format and
must equal the data API's `status` (complete → A, provisional → P).
Every observation is cross-checked against egov's own data API (/api/v1/data). `--expect`
pins values (REF_AREA.INDICATOR.TIME_PERIOD=value). Exits 1 on any failure; the last line is
"N passed, M failed".
"""

import argparse
import csv
import io
import sys
import traceback

import requests
import sdmx

FLOW = "DF_KTXH_THANG"
DSD = "DSD_KTXH"
XML = "application/vnd.sdmx.structure+xml;version=2.1"
CSV1 = "application/vnd.sdmx.data+csv;version=1.0.0"
CSV2 = "application/vnd.sdmx.data+csv;version=2.0.0"

passed = 0
failed = 0


def check(name):
    """Run the decorated function now as one named check."""

    def run(fn):
        global passed, failed
        try:
            fn()
        except Exception:  # noqa: BLE001 - every failure is reported, the run goes on
            failed += 1
            print(f"FAIL {name}")
            traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {name}")
        return fn

    return run


def text(s, lang):
    """One localisation of an sdmx1 InternationalString."""
    return s.localizations.get(lang)


def observations(series):
    """{(REF_AREA, INDICATOR, TIME_PERIOD): value} from an sdmx1 pandas Series."""
    out = {}
    names = list(series.index.names)
    for key, value in series.items():
        k = dict(zip(names, key))
        assert k["FREQ"] == "M", k
        out[(k["REF_AREA"], k["INDICATOR"], str(k["TIME_PERIOD"]))] = float(value)
    return out


def statuses(ds):
    """{(REF_AREA, INDICATOR, TIME_PERIOD): OBS_STATUS code} of an sdmx1 data set; every
    observation must carry one."""
    out = {}
    for o in ds.obs:
        k = o.key
        key = (k["REF_AREA"].value, k["INDICATOR"].value, str(k["TIME_PERIOD"].value))
        attr = o.attached_attribute.get("OBS_STATUS")
        assert attr is not None, ("no OBS_STATUS", key)
        v = attr.value
        out[key] = str(getattr(v, "id", v))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base", help="egov's base URL, e.g. http://127.0.0.1:8080")
    ap.add_argument("--start", default="2025-08")
    ap.add_argument("--end", default="2025-09")
    ap.add_argument("--areas", default="40+42", help="province codes joined by +; VN is added")
    ap.add_argument("--indicators", default="RETAIL_SALES+EXPORTS")
    ap.add_argument("--expect", action="append", default=[], metavar="AREA.INDICATOR.TIME=VALUE")
    args = ap.parse_args()
    base = args.base.rstrip("/")
    key = f"M.VN+{args.areas}.{args.indicators}"
    areas = ["VN"] + args.areas.split("+")
    indicators = args.indicators.split("+")

    sdmx.add_source(
        {
            "id": "EGOV",
            "name": "egov",
            "url": f"{base}/sdmx",
            "data_content_type": "JSON",
            "supports": {
                "dataflow": True,
                "datastructure": True,
                "codelist": True,
                "conceptscheme": True,
            },
        },
        override=True,
    )
    client = sdmx.Client("EGOV")
    got = {}

    @check("sdmx1 reads the dataflow (SDMX-ML 2.1) with its structure and codelists")
    def _():
        msg = client.dataflow(FLOW, headers={"Accept": XML})
        df = msg.dataflow[FLOW]
        assert df.maintainer.id == "EGOV", df.maintainer
        assert "hằng tháng" in text(df.name, "vi"), df.name
        assert "Monthly" in text(df.name, "en"), df.name
        assert df.structure.id == DSD, df.structure
        dsd = msg.structure[DSD]
        assert [d.id for d in dsd.dimensions] == ["FREQ", "REF_AREA", "INDICATOR", "TIME_PERIOD"]
        assert set(msg.codelist) >= {"CL_FREQ", "CL_AREA", "CL_INDICATOR", "CL_UNIT_MEASURE"}
        got["dsd"] = dsd

    @check("sdmx1 reads the data structure: dimensions, codelists, measure, attribute")
    def _():
        msg = client.datastructure(DSD, headers={"Accept": XML})
        dsd = msg.structure[DSD]
        area = dsd.dimensions.get("REF_AREA")
        cl = area.local_representation.enumerated
        assert cl.id == "CL_AREA", cl
        assert text(cl["VN"].name, "vi") == "Cả nước", cl["VN"].name
        assert text(cl["40"].name, "vi") == "Tỉnh Nghệ An", cl["40"].name
        assert text(cl["40"].name, "en") == "Nghệ An province", cl["40"].name
        # Code 15 was Yên Bái until the 2025 merger and is Lào Cai now.
        assert "Yên Bái" in text(cl["15"].description, "vi"), cl["15"].description
        ind = dsd.dimensions.get("INDICATOR").local_representation.enumerated
        for code in indicators:
            assert code in ind, code
        assert [m.id for m in dsd.measures] == ["OBS_VALUE"]
        assert [a.id for a in dsd.attributes] == ["UNIT_MEASURE", "OBS_COM", "OBS_STATUS"]
        status = dsd.attributes.get("OBS_STATUS").local_representation.enumerated
        assert status.id == "CL_OBS_STATUS", status
        assert {c.id for c in status} == {"A", "P"}, list(status)

    @check("sdmx1 reads a codelist on its own")
    def _():
        msg = client.codelist("CL_INDICATOR", headers={"Accept": XML})
        cl = msg.codelist["CL_INDICATOR"]
        assert text(cl["RETAIL_SALES"].name, "en").startswith("Total retail sales"), cl["RETAIL_SALES"].name
        assert "tỷ đồng" in text(cl["RETAIL_SALES"].description, "vi")

    @check("the SDMX-JSON structure message (asked for) lists the flow")
    def _():
        r = requests.get(
            f"{base}/sdmx/dataflow/EGOV/{FLOW}/latest",
            params={"references": "all"},
            headers={"Accept": "application/json"},
            timeout=30,
        )
        r.raise_for_status()
        assert r.headers["content-type"].startswith("application/vnd.sdmx.structure+json"), r.headers
        data = r.json()["data"]
        assert [d["id"] for d in data["dataflows"]] == [FLOW]
        assert data["dataflows"][0]["names"]["en"].startswith("Monthly"), data["dataflows"][0]
        assert {c["id"] for c in data["codelists"]} >= {"CL_AREA", "CL_INDICATOR"}

    @check("sdmx1 reads the SDMX-JSON data message")
    def _():
        msg = client.data(
            FLOW,
            key=key,
            params={"startPeriod": args.start, "endPeriod": args.end},
            headers={"Accept": "application/vnd.sdmx.data+json;version=1.0.0"},
        )
        assert len(msg.data) == 1
        ds = msg.data[0]
        obs = observations(sdmx.to_pandas(ds))
        assert obs, "no observations"
        assert {a for a, _, _ in obs} <= set(areas), obs
        assert {i for _, i, _ in obs} <= set(indicators), obs
        # The unit of measure is attached to every observation.
        units = {o.attached_attribute["UNIT_MEASURE"].value.id for o in ds.obs}
        assert units, "no UNIT_MEASURE"
        st = statuses(ds)
        assert set(st) == set(obs), (st, obs)
        assert set(st.values()) <= {"A", "P"}, st
        got["json"] = obs
        got["status"] = st

    @check("every value equals egov's own data API")
    def _():
        obs = got["json"]
        for (area, ind, t), value in sorted(obs.items()):
            period = t.replace("-", "")
            r = requests.get(
                f"{base}/api/v1/data",
                params={"indicator": ind, "unit": area, "period": period},
                timeout=30,
            )
            r.raise_for_status()
            item = r.json()["items"][0]
            api = item["value"]
            assert api is not None and abs(api - value) < 1e-6, (area, ind, t, value, api)
            # OBS_STATUS says what the data API's status says; a province's own value is normal.
            want = "P" if item.get("status") == "provisional" else "A"
            assert got["status"][(area, ind, t)] == want, (area, ind, t, got["status"], item)

    @check("the expected values are there")
    def _():
        obs = got["json"]
        for e in args.expect:
            k, v = e.split("=")
            area, ind, t = k.split(".")
            assert obs.get((area, ind, t)) == float(v), (k, obs.get((area, ind, t)), v)

    @check("sdmx1 reads SDMX-CSV 2.0 with the data structure: the same observations")
    def _():
        r = requests.get(
            f"{base}/sdmx/data/EGOV,{FLOW},1.0/{key}",
            params={"startPeriod": args.start, "endPeriod": args.end},
            headers={"Accept": CSV2},
            timeout=30,
        )
        r.raise_for_status()
        assert r.headers["content-type"].startswith("application/vnd.sdmx.data+csv"), r.headers
        msg = sdmx.read_sdmx(io.BytesIO(r.content), format="CSV", structure=got["dsd"])
        obs = {}
        for ds in msg.data:
            for o in ds.obs:
                k = o.dimension
                obs[(k["REF_AREA"].value, k["INDICATOR"].value, str(k["TIME_PERIOD"].value))] = float(o.value)
        assert obs == got["json"], (obs, got["json"])
        st = {}
        for ds in msg.data:
            st.update(statuses(ds))
        assert st == got["status"], (st, got["status"])

    @check("SDMX-CSV 1.0 (read with the csv module: sdmx1 reads only SDMX-CSV 2.x)")
    def _():
        r = requests.get(
            f"{base}/sdmx/data/{FLOW}/{key}",
            params={"startPeriod": args.start.replace("-", ""), "endPeriod": args.end},
            headers={"Accept": CSV1},
            timeout=30,
        )
        r.raise_for_status()
        rows = list(csv.reader(io.StringIO(r.text)))
        assert rows[0] == ["DATAFLOW", "FREQ", "REF_AREA", "INDICATOR", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"], rows[0]
        obs, st = {}, {}
        for row in rows[1:]:
            assert row[0] == "EGOV:DF_KTXH_THANG(1.0)" and row[1] == "M", row
            obs[(row[2], row[3], row[4])] = float(row[5])
            st[(row[2], row[3], row[4])] = row[6]
        assert obs == got["json"], (obs, got["json"])
        assert st == got["status"], (st, got["status"])

    # A source definition with no content type and no headers: sdmx1's defaults (SDMX-ML 2.1).
    sdmx.add_source({"id": "EGOV", "name": "egov, client defaults", "url": f"{base}/sdmx"}, override=True)
    plain = sdmx.Client("EGOV")

    @check("sdmx1 with its defaults (no headers) reads the structures and the data as SDMX-ML 2.1")
    def _():
        msg = plain.dataflow(FLOW)
        assert msg.dataflow[FLOW].structure.id == DSD, msg.dataflow[FLOW]
        dsd = plain.datastructure(DSD).structure[DSD]
        data = plain.data(FLOW, key=key, params={"startPeriod": args.start, "endPeriod": args.end}, dsd=dsd)
        obs = observations(sdmx.to_pandas(data.data[0]))
        assert obs == got["json"], (obs, got["json"])
        st = statuses(data.data[0])
        assert st == got["status"], (st, got["status"])

    @check("sdmx1 reads the structure-specific SDMX-ML 2.1 data message: the same observations")
    def _():
        r = requests.get(
            f"{base}/sdmx/data/{FLOW}/{key}",
            params={"startPeriod": args.start, "endPeriod": args.end},
            headers={"Accept": "application/vnd.sdmx.structurespecificdata+xml;version=2.1"},
            timeout=30,
        )
        r.raise_for_status()
        msg = sdmx.read_sdmx(io.BytesIO(r.content), structure=got["dsd"])
        assert observations(sdmx.to_pandas(msg.data[0])) == got["json"]
        st = statuses(msg.data[0])
        assert st == got["status"], (st, got["status"])

    @check("a bad key is refused with the JSON error envelope")
    def _():
        r = requests.get(f"{base}/sdmx/data/{FLOW}/M.VN", timeout=30)
        assert r.status_code == 422, r.status_code
        assert r.json()["errors"][0]["code"] == "sdmx_key_invalid", r.text
        try:
            client.data(FLOW, key="M.VN.NOT_AN_INDICATOR")
        except requests.HTTPError as e:
            assert e.response.status_code == 422
        else:
            raise AssertionError("an unknown indicator was accepted")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
