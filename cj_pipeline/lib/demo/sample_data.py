"""Deterministic sample data: partner files for every source and a return per area.

Used by `cj-pipeline demo` and the tests. Figures are scaled to the published
Scotland figures in docs/domain.md (diversion 2022-23 about 4,400 / 2,700 / 2,000,
CPO completion about 71%, DTTO about 280 terminated with 51% completed, CPOs
about 38 per 10,000 adults) with a pandemic dip in 2020-21 and 2021-22.

Files carry the mess real ones do: title and note rows, a Scotland row, both
layouts, aliases and retired codes, thousands separators, a byte-order mark,
cp1252 text, [c] for small counts, [p] provisional values, a revision file.
`generate_sample_data` returns the truth it wrote so tests can check the
warehouse against it.
"""

from __future__ import annotations

import csv
import io
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

from cj_pipeline.lib.core.seeds import (
    SCOTLAND_CODE,
    area_names,
    evidence_catalogue,
    local_authorities,
    local_measure_catalogue,
    read_seed,
)
from cj_pipeline.lib.core.years import fy_starting
from cj_pipeline.lib.returns.layout import EVIDENCE_STATUSES, NATIONAL_OUTCOME_IDS
from cj_pipeline.lib.returns.template import ReturnContent, write_template

DEFAULT_YEARS = tuple(fy_starting(y) for y in range(2017, 2025))  # 2017-18 .. 2024-25
SEED = 20240601

# Approximate population aged 16+ (thousands), mid-2022 order of magnitude.
ADULTS_THOUSANDS = {
    "S12000005": 42,
    "S12000006": 123,
    "S12000008": 100,
    "S12000010": 90,
    "S12000011": 77,
    "S12000013": 22,
    "S12000014": 131,
    "S12000017": 199,
    "S12000018": 64,
    "S12000019": 78,
    "S12000020": 78,
    "S12000021": 110,
    "S12000023": 18.5,
    "S12000026": 97,
    "S12000027": 18.7,
    "S12000028": 97,
    "S12000029": 265,
    "S12000030": 77,
    "S12000033": 189,
    "S12000034": 215,
    "S12000035": 72,
    "S12000036": 445,
    "S12000038": 150,
    "S12000039": 73,
    "S12000040": 152,
    "S12000041": 96,
    "S12000042": 125,
    "S12000045": 90,
    "S12000047": 311,
    "S12000048": 127,
    "S12000049": 540,
    "S12000050": 280,
}

# Relative use of justice services per adult (Shetland low, West Dunbartonshire high).
INTENSITY_OVERRIDES = {"S12000027": 0.35, "S12000039": 1.6, "S12000049": 1.35, "S12000042": 1.3}

# Scotland totals in 2022-23 (the reference year, factor 1.0).
SCOTLAND_2022 = {
    "diversion_assessments": 4400,
    "diversion_commenced": 2700,
    "bail_assessments": 3600,
    "bail_commenced": 1200,
    "cpo_imposed": 17300,
    "cpo_terminated": 16500,
    "dtto_terminated": 280,
    "vt_commenced": 1800,
    "custody_referrals": 12500,
    "treatment_transfers": 950,
    "homeless_apps_prison": 2100,
    "employability_participants": 21000,
    "disposals_total": 72000,
}
# Completion shares (completed / the stage before).
COMPLETION = {
    "diversion_completed": ("diversion_commenced", 0.74),
    "bail_completed": ("bail_commenced", 0.66),
    "cpo_completed": ("cpo_terminated", 0.71),
    "dtto_completed": ("dtto_terminated", 0.51),
    "employability_participants_convictions": ("employability_participants", 0.12),
}
DISPOSAL_SHARES = {
    "disposals_custody": 0.16,
    "disposals_community": 0.21,
    "disposals_financial": 0.37,
    "disposals_other": 0.26,
}
# Year factors relative to 2022-23, pandemic dip in 2020-21 and 2021-22.
YEAR_FACTOR = {
    2016: 0.92,
    2017: 0.95,
    2018: 0.97,
    2019: 0.98,
    2020: 0.55,
    2021: 0.78,
    2022: 1.0,
    2023: 1.08,
    2024: 1.12,
    2025: 1.15,
}
# Diversion grew fast after the pandemic (2023-24 commenced about 3,400).
GROWTH = {"diversion_assessments": 0.12, "diversion_commenced": 0.12}
# Survey sweeps published: the years data/seeds/partner_source_years.csv says scjs covers.
SCJS_YEARS = {int(row["financial_year"][:4]) for row in read_seed("partner_source_years") if row["source"] == "scjs"}
PROVISIONAL_YEAR = DEFAULT_YEARS[-1]
# Context measures (recorded crime, reconvictions, all homelessness applications).
ALL_AGES_PER_ADULT = 1.22  # population of all ages per person aged 16+
CRIMES_PER_10000 = 550  # recorded crimes per 10,000 population, Scotland, about 2022-23
HOMELESS_APPS_ALL_2022 = 32000
RECONVICTION_COHORT_LAG = 2  # the latest cohort published is two years before the latest year
OFFENDERS_PER_10000_ADULTS = 80
OTHER_OFFENDERS_SHARE = 0.05  # offenders of no known area: in Scotland's row only
# Every area's return for this year is complete (no 'Not known' evidence), so the year
# passes the publication gate; the latest year has missing returns and is blocked.
COMPLETE_YEAR = DEFAULT_YEARS[-2]
SMALL_COUNT_MAX = 4  # partners publish 1-4 as [c]

Key = tuple[str, str, str, str]  # (source, area_code, financial_year, measure)


@dataclass
class SampleTruth:
    """What the generated files say, after supersession, keyed by source/area/year/measure.

    `published` holds (value, marker) exactly as the partner file states it (a [c]
    cell is (None, "[c]")); `true_counts` the unsuppressed value behind every cell.
    """

    years: tuple[str, ...]
    area_codes: tuple[str, ...]
    published: dict[Key, tuple[float | None, str | None]] = field(default_factory=dict)
    true_counts: dict[Key, float] = field(default_factory=dict)
    returns: dict[tuple[str, str], ReturnContent] = field(default_factory=dict)
    missing_returns: set[tuple[str, str]] = field(default_factory=set)
    partner_files: list[Path] = field(default_factory=list)
    return_files: list[Path] = field(default_factory=list)

    def value(self, source: str, area: str, year: str, measure: str) -> tuple[float | None, str | None]:
        return self.published.get((source, area, year, measure), (None, None))


def _intensity(rng: random.Random, code: str) -> float:
    return INTENSITY_OVERRIDES.get(code, rng.uniform(0.75, 1.25))


def _area_counts(rng: random.Random, areas, years) -> dict[tuple[str, str, str], float]:
    """True counts per (area, year, measure) for every partner measure except scjs."""
    total_adults = sum(ADULTS_THOUSANDS[a] for a in areas)
    intensity = {a: _intensity(rng, a) for a in areas}
    weight_sum = sum(ADULTS_THOUSANDS[a] * intensity[a] for a in areas)
    counts: dict[tuple[str, str, str], float] = {}
    for year in years:
        start = int(year[:4])
        for area in areas:
            share = ADULTS_THOUSANDS[area] * intensity[area] / weight_sum
            adults = ADULTS_THOUSANDS[area] * 1000 * (1 + 0.003 * (start - 2022))
            counts[(area, year, "population_16plus")] = round(adults * rng.uniform(0.995, 1.005))
            for measure, scotland in SCOTLAND_2022.items():
                factor = YEAR_FACTOR[start] * (1 + GROWTH.get(measure, 0.0)) ** max(0, start - 2022)
                counts[(area, year, measure)] = round(scotland * share * factor * rng.uniform(0.85, 1.15))
            for measure, (base, rate) in COMPLETION.items():
                completed = counts[(area, year, base)] * rate * rng.uniform(0.9, 1.1)
                counts[(area, year, measure)] = round(completed)
            total = counts.pop((area, year, "disposals_total"))
            for measure, disposal_share in DISPOSAL_SHARES.items():
                counts[(area, year, measure)] = round(total * disposal_share * rng.uniform(0.9, 1.1))
    del total_adults
    return counts


def _published_cell(value: float, measure: str, year: str, source: str) -> tuple[float | None, str | None]:
    """How a partner publishes a true count: small counts [c], the latest year [p]."""
    if measure != "population_16plus" and 1 <= value <= SMALL_COUNT_MAX:
        return None, "[c]"
    if source == "jsws" and year == PROVISIONAL_YEAR:
        return value, "[p]"
    return value, None


def _format_cell(value: float | None, marker: str | None, thousands: bool = False) -> object:
    if value is None:
        return marker or ""
    number = f"{int(value):,}" if thousands else int(value) if float(value).is_integer() else value
    if marker:
        return f"{number} {marker}"
    return number


# Names as partners really write them (docs/domain.md); all must resolve to the right code.
ALIASED_NAMES = {
    "S12000013": "Western Isles",
    "S12000036": "Edinburgh, City of",
    "S12000035": "Argyll & Bute",
    "S12000027": "Shetland",
    "S12000049": "Glasgow City Council",
}
RETIRED_CODES = {"S12000047": "S12000015", "S12000048": "S12000024"}


def _area_label(code: str, style: str) -> str:
    names = area_names()
    if style == "alias":
        return ALIASED_NAMES.get(code, names[code])
    if style == "code":
        return code
    if style == "retired":
        return RETIRED_CODES.get(code, code)
    return names[code]


def _write_xlsx_table(path: Path, sheets: dict[str, tuple[list[str], list[list[object]]]], title: str) -> None:
    """An xlsx with a contents sheet, then each table under a title and a note row."""
    workbook = xlsxwriter.Workbook(str(path))
    contents = workbook.add_worksheet("Contents")
    contents.write(0, 0, title)
    for row, name in enumerate(sheets, start=2):
        contents.write(row, 0, name)
    for name, (header, rows) in sheets.items():
        sheet = workbook.add_worksheet(name)
        sheet.write(0, 0, f"{title}: {name}")
        sheet.write(1, 0, "Source: sample data generated by cj-pipeline. [c] confidential, [p] provisional.")
        sheet.write_row(3, 0, header)
        for offset, row_values in enumerate(rows):
            sheet.write_row(4 + offset, 0, row_values)
    notes = workbook.add_worksheet("Notes")
    notes.write(0, 0, "Notes")
    notes.write(1, 0, "Figures for small numbers are suppressed to protect confidentiality.")
    workbook.close()


def _write_csv(path: Path, header: list[str], rows: list[list[object]], title: str, encoding: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([title])
    writer.writerow([])
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


class _PartnerWriter:
    """Writes each source's files and records exactly what they say."""

    def __init__(self, root: Path, truth: SampleTruth, counts):
        self.root = root
        self.truth = truth
        self.counts = counts

    def _dir(self, source: str) -> Path:
        path = self.root / source
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _cell(self, source, area, year, measure, *, scotland_total=None):
        if area == SCOTLAND_CODE:
            if scotland_total is None:
                raise ValueError(f"{source} {measure} {year}: Scotland's cell needs its total")
            value = scotland_total
            self.truth.true_counts[(source, area, year, measure)] = scotland_total
            marker = "[p]" if source == "jsws" and year == PROVISIONAL_YEAR else None
        else:
            value = self.counts[(area, year, measure)]
            value, marker = _published_cell(value, measure, year, source)
            self.truth.true_counts[(source, area, year, measure)] = self.counts[(area, year, measure)]
        self.truth.published[(source, area, year, measure)] = (value, marker)
        return value, marker

    def _scotland_total(self, year, measure) -> float:
        return sum(self.counts[(a, year, measure)] for a in self.truth.area_codes)

    def long_rows(self, source, measures, years, area_style="name", thousands=False, year_style="canonical"):
        rows = []
        for year in years:
            label_year = year.replace("-", "/") if year_style == "slash" else year
            for area in (*self.truth.area_codes, SCOTLAND_CODE):
                label = "Scotland" if area == SCOTLAND_CODE else _area_label(area, area_style)
                row: list[object] = [label, label_year]
                for measure in measures:
                    total = self._scotland_total(year, measure) if area == SCOTLAND_CODE else None
                    row.append(_format_cell(*self._cell(source, area, year, measure, scotland_total=total), thousands))
                rows.append(row)
        return rows

    def wide_rows(self, source, measure, years, area_style="name"):
        rows = []
        for area in (*self.truth.area_codes, SCOTLAND_CODE):
            label = "Scotland" if area == SCOTLAND_CODE else _area_label(area, area_style)
            row: list[object] = [label]
            for year in years:
                total = self._scotland_total(year, measure) if area == SCOTLAND_CODE else None
                row.append(_format_cell(*self._cell(source, area, year, measure, scotland_total=total)))
            rows.append(row)
        return rows

    def write_all(self, years, rng: random.Random) -> list[Path]:
        files: list[Path] = []
        jsws_measures = [
            "diversion_assessments",
            "diversion_commenced",
            "diversion_completed",
            "bail_assessments",
            "bail_commenced",
            "bail_completed",
            "cpo_imposed",
            "cpo_terminated",
            "cpo_completed",
            "dtto_terminated",
            "dtto_completed",
            "vt_commenced",
        ]
        # jsws: one xlsx a year, long layout, names with aliases.
        for year in years:
            path = self._dir("jsws") / f"jsws_{year}.xlsx"
            rows = self.long_rows("jsws", jsws_measures, [year], area_style="alias")
            _write_xlsx_table(
                path,
                {"Table 1": (["Area", "Financial year", *jsws_measures], rows)},
                f"Justice social work statistics {year}",
            )
            files.append(path)
        # police_custody: wide-by-year csv with a BOM; measure from the file stem.
        path = self._dir("police_custody") / "custody_referrals.csv"
        rows = self.wide_rows("police_custody", "custody_referrals", years, area_style="code")
        _write_csv(path, ["Area", *years], rows, "Referrals from police custody centres", "utf-8-sig")
        files.append(path)
        # phs_treatment: wide-by-year xlsx, measure from the sheet name.
        path = self._dir("phs_treatment") / "phs_treatment_transfers.xlsx"
        rows = self.wide_rows("phs_treatment", "treatment_transfers", years)
        _write_xlsx_table(path, {"treatment_transfers": (["Area", *years], rows)}, "Drug and alcohol treatment")
        files.append(path)
        # homelessness: long csv in cp1252 (a title with © and an en dash).
        path = self._dir("homelessness") / "homelessness_prison.csv"
        rows = self.long_rows("homelessness", ["homeless_apps_prison"], years)
        _write_csv(
            path,
            ["Area", "Financial year", "homeless_apps_prison"],
            rows,
            "Homelessness in Scotland \u2013 \u00a9 Crown copyright",
            "cp1252",
        )
        files.append(path)
        # employability: long xlsx with two measures.
        path = self._dir("employability") / "employability.xlsx"
        measures = ["employability_participants", "employability_participants_convictions"]
        rows = self.long_rows("employability", measures, years)
        _write_xlsx_table(path, {"Participants": (["Area", "Financial year", *measures], rows)}, "Employability")
        files.append(path)
        # criminal_proceedings: long csv with thousands separators and slash years.
        path = self._dir("criminal_proceedings") / "criminal_proceedings.csv"
        measures = list(DISPOSAL_SHARES)
        rows = self.long_rows("criminal_proceedings", measures, years, thousands=True, year_style="slash")
        _write_csv(path, ["Area", "Financial year", *measures], rows, "Criminal proceedings in Scotland", "utf-8")
        files.append(path)
        files.append(self._write_population(years))
        files += self._write_context(years, rng)
        files.append(self._write_scjs(years, rng))
        files.append(self._write_jsws_revision(years, jsws_measures))
        return files

    def _write_population(self, years) -> Path:
        """Mid-year estimates keyed by `Year`; older years use retired codes."""
        path = self._dir("population") / "mid_year_estimates_16plus.csv"
        rows = []
        for year in years:
            start = int(year[:4])
            for area in (*self.truth.area_codes, SCOTLAND_CODE):
                style = "retired" if start < 2019 else "code"
                label = SCOTLAND_CODE if area == SCOTLAND_CODE else _area_label(area, style)
                total = self._scotland_total(year, "population_16plus") if area == SCOTLAND_CODE else None
                value, marker = self._cell("population", area, year, "population_16plus", scotland_total=total)
                rows.append([label, start, _format_cell(value, marker, thousands=True)])
        _write_csv(path, ["Area", "Year", "population_16plus"], rows, "Mid-year population estimates aged 16+", "utf-8")
        return path

    def _publish(self, source, area, year, measure, value: float) -> float:
        """Record a context value exactly as written (no suppression: these are public totals)."""
        self.truth.published[(source, area, year, measure)] = (value, None)
        self.truth.true_counts[(source, area, year, measure)] = value
        return value

    def _write_context(self, years, rng: random.Random) -> list[Path]:
        """Files for the context indicators, in the built-in layouts: population of all ages
        (rounded to hundreds, Scotland rounded on its own, so it need not be the sum), recorded
        crime wide by year, reconviction cohorts (Scotland includes offenders of no known
        area), all homelessness applications. Written in this order: each draws on `rng`."""
        areas = self.truth.area_codes
        all_ages = {
            (a, y): self.counts[(a, y, "population_16plus")] * ALL_AGES_PER_ADULT * rng.uniform(0.98, 1.02)
            for a in areas
            for y in years
        }
        return [
            self._write_all_ages(years, all_ages),
            self._write_recorded_crime(years, all_ages, rng),
            self._write_reconvictions(years, rng),
            self._write_homelessness_all(years, rng),
        ]

    def _write_all_ages(self, years, all_ages: dict) -> Path:
        """Population of all ages: long layout keyed by the mid-year (`Year`)."""
        areas = self.truth.area_codes
        path = self._dir("population") / "mid_year_estimates_all_ages.csv"
        rows = []
        for year in years:
            total = sum(all_ages[(a, year)] for a in areas)
            for area in (*areas, SCOTLAND_CODE):
                exact = total if area == SCOTLAND_CODE else all_ages[(area, year)]
                value = self._publish("population", area, year, "population_all_ages", round(exact, -2))
                rows.append([area, int(year[:4]), int(value)])
        _write_csv(path, ["Area", "Year", "population_all_ages"], rows, "Mid-year population estimates", "utf-8")
        return path

    def _write_recorded_crime(self, years, all_ages: dict, rng: random.Random) -> Path:
        """Recorded crime: wide by year, the measure from the file stem."""
        areas = self.truth.area_codes
        path = self._dir("recorded_crime") / "recorded_crimes.csv"
        crimes = {
            (a, y): round(all_ages[(a, y)] / 10_000 * CRIMES_PER_10000 * _intensity(rng, a) * rng.uniform(0.95, 1.05))
            for a in areas
            for y in years
        }
        rows = []
        for area in (*areas, SCOTLAND_CODE):
            row: list[object] = ["Scotland" if area == SCOTLAND_CODE else area_names()[area]]
            for year in years:
                value = sum(crimes[(a, year)] for a in areas) if area == SCOTLAND_CODE else crimes[(area, year)]
                row.append(self._publish("recorded_crime", area, year, "recorded_crimes", value))
            rows.append(row)
        _write_csv(path, ["Area", *years], rows, "Recorded crime in Scotland", "utf-8")
        return path

    def _reconviction_cohort(self, year: str, rng: random.Random) -> dict[str, tuple]:
        """(offenders, reconvicted, reconvictions per offender) of each area and Scotland."""
        cohort = {}
        for area in self.truth.area_codes:
            offenders = round(
                self.counts[(area, year, "population_16plus")]
                / 10_000
                * OFFENDERS_PER_10000_ADULTS
                * _intensity(rng, area)
            )
            cohort[area] = (offenders, round(offenders * rng.uniform(0.2, 0.33)), rng.uniform(0.38, 0.6))
        other = round(sum(c[0] for c in cohort.values()) * OTHER_OFFENDERS_SHARE)
        offenders_all = sum(c[0] for c in cohort.values()) + other
        reconvicted_all = sum(c[1] for c in cohort.values()) + round(other * 0.3)
        per_offender_all = sum(c[0] * c[2] for c in cohort.values()) / sum(c[0] for c in cohort.values())
        cohort[SCOTLAND_CODE] = (offenders_all, reconvicted_all, per_offender_all)
        return cohort

    def _write_reconvictions(self, years, rng: random.Random) -> Path:
        """Reconvictions: long xlsx, cohorts up to two years before the latest year."""
        path = self._dir("reconvictions") / "reconvictions_cohorts.xlsx"
        measures = ["offenders", "reconviction_rate", "reconvictions_per_offender"]
        rows = []
        for year in years[: len(years) - RECONVICTION_COHORT_LAG]:
            cohort = self._reconviction_cohort(year, rng)
            for area in (*self.truth.area_codes, SCOTLAND_CODE):
                offenders, reconvicted, per_offender = cohort[area]
                rate = round(100 * reconvicted / offenders, 1)
                rows.append(
                    [
                        "Scotland" if area == SCOTLAND_CODE else area_names()[area],
                        year,
                        self._publish("reconvictions", area, year, "offenders", offenders),
                        self._publish("reconvictions", area, year, "reconviction_rate", rate),
                        self._publish(
                            "reconvictions", area, year, "reconvictions_per_offender", round(per_offender, 2)
                        ),
                    ]
                )
        _write_xlsx_table(
            path, {"Cohorts": (["Area", "Financial year", *measures], rows)}, "Reconviction rates by cohort"
        )
        return path

    def _write_homelessness_all(self, years, rng: random.Random) -> Path:
        """All homelessness applications: a second homelessness file, long layout."""
        areas = self.truth.area_codes
        path = self._dir("homelessness") / "homelessness_all_applications.csv"
        rows = []
        adults = sum(ADULTS_THOUSANDS[a] for a in areas)
        for year in years:
            factor = YEAR_FACTOR[int(year[:4])] ** 0.3
            apps = {
                a: round(HOMELESS_APPS_ALL_2022 * ADULTS_THOUSANDS[a] / adults * factor * rng.uniform(0.85, 1.15))
                for a in areas
            }
            apps[SCOTLAND_CODE] = sum(apps.values())
            for area in (*areas, SCOTLAND_CODE):
                label = "Scotland" if area == SCOTLAND_CODE else area_names()[area]
                rows.append([label, year, self._publish("homelessness", area, year, "homeless_apps_all", apps[area])])
        _write_csv(path, ["Area", "Financial year", "homeless_apps_all"], rows, "Homelessness applications", "utf-8")
        return path

    def _write_scjs(self, years, rng) -> Path:
        path = self._dir("scjs") / "scjs_confidence.csv"
        rows = []
        for year in years:
            if int(year[:4]) not in SCJS_YEARS:
                continue
            pct = round(rng.uniform(66, 74), 1)
            for measure, value in (
                ("pct_agree_community_sentence", pct),
                ("ci_lower", pct - 2.1),
                ("ci_upper", pct + 2.1),
            ):
                self.truth.published[("scjs", SCOTLAND_CODE, year, measure)] = (round(value, 1), None)
            rows.append(["Scotland", year, pct, round(pct - 2.1, 1), round(pct + 2.1, 1)])
        _write_csv(
            path,
            ["Area", "Financial year", "pct_agree_community_sentence", "ci_lower", "ci_upper"],
            rows,
            "Scottish Crime and Justice Survey",
            "utf-8",
        )
        return path

    def _write_jsws_revision(self, years, measures) -> Path:
        """A later file revising three areas' figures for the second latest year ([r])."""
        year = years[-2]
        path = self._dir("jsws") / f"jsws_{year}_revised.xlsx"
        rows = []
        for area in self.truth.area_codes[:3]:
            row: list[object] = [area_names()[area], year]
            for measure in measures:
                revised = self.counts[(area, year, measure)] + 5
                self.counts[(area, year, measure)] = revised
                self.truth.true_counts[("jsws", area, year, measure)] = revised
                self.truth.published[("jsws", area, year, measure)] = (revised, "[r]")
                row.append(f"{revised} [r]")
            rows.append(row)
        # The publisher revises its Scotland row with the areas, so the two still reconcile.
        scotland_row: list[object] = ["Scotland", year]
        for measure in measures:
            total = self._scotland_total(year, measure)
            self.truth.true_counts[("jsws", SCOTLAND_CODE, year, measure)] = total
            self.truth.published[("jsws", SCOTLAND_CODE, year, measure)] = (total, "[r]")
            scotland_row.append(f"{total} [r]")
        rows.append(scotland_row)
        _write_xlsx_table(
            path,
            {"Table 1": (["Area", "Financial year", *measures], rows)},
            f"Justice social work statistics {year} (revised)",
        )
        # Received after the original: supersession follows arrival order.
        stamp = max(p.stat().st_mtime for p in path.parent.iterdir()) + 60
        os.utime(path, (stamp, stamp))
        return path


def _return_content(rng: random.Random, area: str, year: str, complete: bool = False) -> ReturnContent:
    content = ReturnContent(
        completed_by="Community Justice Co-ordinator",
        email=f"cj.{area.lower()}@example.gov.scot",
        date_completed=f"{int(year[:4]) + 1}-09-30",
    )
    for item in evidence_catalogue():
        status = rng.choices(EVIDENCE_STATUSES, weights=(60, 25, 8, 7))[0]
        if complete and status == "Not known":  # after the draw: the other figures stay the same
            status = "Partially in place"
        content.evidence[item["evidence_id"]] = (status, f"{status} in {year}: see the partnership action plan.")
    for item in local_measure_catalogue():
        denominator = rng.randint(20, 400)
        numerator = round(denominator * rng.uniform(0.3, 0.95))
        content.measures[item["measure_id"]] = (numerator, denominator, "")
    for outcome in NATIONAL_OUTCOME_IDS:
        assessment = rng.choices(("Achieved", "Not achieved", "Not assessed"), weights=(55, 35, 10))[0]
        progress = "Partial progress; actions carried into next year's plan." if assessment == "Not achieved" else ""
        content.assessments[outcome] = (assessment, f"Partners delivered the {outcome} actions in the plan.", progress)
    content.local_outcomes = [
        ("Fewer people remanded", "Remand admissions", "Local outcome", rng.randint(20, 200), "people", ""),
        (
            "Police recorded warnings",
            "Recorded warnings issued",
            "Balancing measure",
            rng.randint(50, 900),
            "warnings",
            "Watched as diversion rises",
        ),
    ]
    return content


def generate_sample_data(
    data_dir: Path,
    years: tuple[str, ...] = DEFAULT_YEARS,
    seed: int = SEED,
    with_returns: bool = True,
    missing_returns: int = 2,
) -> SampleTruth:
    """Write partner files under raw/partners/ and returns under raw/uploads/."""
    rng = random.Random(seed)
    areas = tuple(row["area_code"] for row in local_authorities())
    truth = SampleTruth(years=tuple(years), area_codes=areas)
    counts = _area_counts(rng, areas, years)
    truth.partner_files = _PartnerWriter(Path(data_dir) / "raw" / "partners", truth, counts).write_all(years, rng)
    if with_returns:
        latest = years[-1]
        # The last areas in seed order have not sent their latest return yet.
        truth.missing_returns = {(a, latest) for a in areas[len(areas) - missing_returns :]}
        uploads = Path(data_dir) / "raw" / "uploads"
        for year in years:
            for area in areas:
                if (area, year) in truth.missing_returns:
                    continue
                content = _return_content(rng, area, year, complete=year == COMPLETE_YEAR)
                truth.returns[(area, year)] = content
                name = f"{area_names()[area].replace(' ', '_')}_{year}.xlsx"
                truth.return_files.append(write_template(uploads / name, area, year, content))
    return truth
