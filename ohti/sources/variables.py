"""The data dictionary: each source ohti reads and each component variable it provides (with
its frequency and description), and which variables count persons.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Variable:
    """A component that indicators are built from.

    Attributes
    ----------
    name : str
        The name registry expressions use.
    source : str
        The id of the source that provides it.
    frequency : str
        'month' or 'year': the periods it is published for.
    annual : str
        How months make a year: 'mean' for month-end stocks, 'sum' for flows during a month.
    description : str
        What it is, in the source's words.
    also : tuple of str
        Further sources of the same figure, for the periods or units the first lacks (the
        national history of a group before 12r5 published it by municipality).
    """

    name: str
    source: str
    frequency: str
    annual: str
    description: str
    also: tuple = ()


@dataclasses.dataclass(frozen=True)
class Source:
    """A shipped table: its id, title for documents, files and loader.

    ``first_period`` is the first month (or year) the published table holds: a period before
    it in a file of this table is an error.
    """

    id: str
    title: str
    files: tuple
    loader: str
    first_period: str = ""
    #: StatFin tables (``ohti/pxweb_tables.yaml``) whose PxWeb responses feed this source:
    #: shipped ones among ``files`` and refreshed or imported ones in the data folder.
    tables: tuple = ()


SOURCES = {
    "tyonv_12r5": Source("tyonv_12r5", "TEM / KEHA-keskus, työnvälitystilasto (StatFin tyonv 12r5)",
                         ("tyonv_12r5/tyonv_12r5_all_regions_2006_2023.csv.gz",
                          "pxweb_2026/unemployment_register_kunnat_12r5.json"), "load_12r5", "2006-01", ("12r5",)),
    "vaerak_11re": Source("vaerak_11re", "Tilastokeskus, väestörakenne (StatFin vaerak 11re)",
                          ("vaerak_11re/vaerak_11re_vaesto_kunnittain_1972_2023.csv.gz",
                           "pxweb_2026/sex_register_kunnat_11re.json"), "load_11re", "1972", ("11re",)),
    "vaerak_11ra": Source("vaerak_11ra", "Tilastokeskus, väestörakenne: tunnuslukuja (StatFin vaerak 11ra)",
                          ("pxweb_2026/age_register_kunnat_11ra.json",), "load_11ra", "1990", ("11ra",)),
    "ssaaty_121w": Source("ssaaty_121w", "Tilastokeskus, väestönmuutokset (StatFin ssaaty 121w)",
                          ("pxweb_2026/population_register_kunnat_121w.json",), "load_121w", "1990", ("121w",)),
    "tyonv_2310": Source("tyonv_2310", "TEM, työnvälitystilasto: avoimet työpaikat kuukauden aikana (StatFin 2310)",
                         ("tyonv_2310/data_kunta_2310.csv.gz", "tyonv_2310/data_kokomaa_2310.csv"), "load_2310", "2006-01"),
    "kuntien_avainluvut": Source("kuntien_avainluvut", "Tilastokeskus, kuntien avainluvut",
                                 ("kuntien_avainluvut/kuntien_avainluvut_2006_2016.csv.gz",), "load_key_figures", "1987"),
    "tyonv_1001": Source("tyonv_1001", "TEM, työnvälitystilasto (StatFin 1001, perustiedot)",
                         ("tyonv_1001/data_perustiedot.csv",), "load_1001", "2006-01"),
    "tyonv_12u4": Source("tyonv_12u4", "TEM, työnvälitystilasto: aktivointiaste (StatFin tyonv 12u4, 12u5)",
                         ("tyonv_12u4_12u5/tyonv_12u4_koko_maa_monthly.csv",
                          "tyonv_12u4_12u5/tyonv_12u5_koko_maa_monthly.csv"), "load_12u4", "2006-01"),
}


def _v(name, source, frequency, annual, description, also=()):
    return name, Variable(name, source, frequency, annual, description, tuple(also))


#: Every component variable the shipped sources provide.
VARIABLES = dict([
    _v("unemployed", "tyonv_12r5", "month", "mean", "unemployed job seekers at the end of the month (TYOTTOMATLOPUSSA)"),
    _v("labour_force", "tyonv_12r5", "month", "mean", "labour force, employment statistics; an annual figure repeated monthly (TYOVOIMATK)"),
    _v("vacancies", "tyonv_12r5", "month", "mean", "open vacancies at the end of the month (AVPAIKATLOPUSSA)"),
    _v("population", "vaerak_11re", "year", "mean", "population on 31 December"),
    _v("vacancies_open_during_month", "tyonv_2310", "month", "mean", "vacancies open at some time during the month"),
    _v("new_vacancies", "tyonv_12r5", "month", "sum", "new vacancies notified during the month (UUDETAVP; before 2020-09 StatFin 2310)",
       also=("tyonv_2310",)),
    _v("filled_vacancies", "tyonv_2310", "month", "sum", "vacancies filled during the month"),
    _v("filled_vacancy_days", "tyonv_2310", "month", "sum",
       "days the filled vacancies were open, in all: the published mean (whole days) times the filled vacancies"),
    _v("employed_residents", "kuntien_avainluvut", "year", "mean", "employed labour force living in the area"),
    _v("jobs", "kuntien_avainluvut", "year", "mean", "jobs (workplaces) in the area"),
    _v("population_kf", "kuntien_avainluvut", "year", "mean", "population (vakiluku) of the key figures"),
    _v("population_15_64", "kuntien_avainluvut", "year", "mean", "population aged 15–64: published share × population"),
    _v("population_over_64", "vaerak_11ra", "year", "mean", "population aged over 64: published share (0.1 %) × population",
       also=("kuntien_avainluvut",)),
    _v("population_15_plus", "kuntien_avainluvut", "year", "mean", "population aged 15 or over: (100 − share under 15) × population"),
    _v("foreign_citizens", "kuntien_avainluvut", "year", "mean", "foreign citizens: published share × population"),
    _v("swedish_speakers", "kuntien_avainluvut", "year", "mean", "Swedish speakers: published share × population"),
    _v("tertiary_educated", "kuntien_avainluvut", "year", "mean", "persons aged 15+ with a tertiary degree: published share × population 15+"),
    _v("employed_15_64_est", "kuntien_avainluvut", "year", "mean", "employed aged 15–64: published employment rate × population 15–64"),
    _v("non_employed", "kuntien_avainluvut", "year", "mean", "persons not employed: economic dependency ratio × employed residents / 100"),
    _v("working_in_home_municipality", "kuntien_avainluvut", "year", "mean", "employed residents working in their home municipality: published share × employed residents"),
    _v("long_term_unemployed", "tyonv_12r5", "month", "mean",
       "unemployed without a break for 12 months or longer (PITKAAIKAISTYOTTOMAT; before 2020-07 StatFin 1001)", also=("tyonv_1001",)),
    _v("unemployed_under_25", "tyonv_12r5", "month", "mean", "unemployed job seekers under 25 (TYOTTOMAT25)", also=("tyonv_1001",)),
    _v("unemployed_over_50", "tyonv_12r5", "month", "mean", "unemployed job seekers over 50 (TYOTTOMAT50)", also=("tyonv_1001",)),
    _v("unemployed_foreign", "tyonv_12r5", "month", "mean", "unemployed job seekers with a foreign citizenship (TYOTTOMATULK)",
       also=("tyonv_1001",)),
    _v("laid_off", "tyonv_12r5", "month", "mean", "fully laid-off job seekers (LOMAUTETTU)", also=("tyonv_1001",)),
    _v("job_seekers", "tyonv_12r5", "month", "mean", "job seekers at the end of the month, unemployed or not (HAKIJALOPUSSA)"),
    _v("unemployed_men", "tyonv_12r5", "month", "mean", "unemployed job seekers, men (TYOTTOMATMIEHET)"),
    _v("unemployed_women", "tyonv_12r5", "month", "mean", "unemployed job seekers, women (TYOTTOMATNAISET)"),
    _v("unemployed_under_20", "tyonv_12r5", "month", "mean", "unemployed job seekers under 20 (TYOTTOMAT20)"),
    _v("unemployed_disabled", "tyonv_12r5", "month", "mean", "unemployed job seekers with a disability or long-term illness (TYOTTOMATSAIR)"),
    _v("reduced_working_week", "tyonv_12r5", "month", "mean", "job seekers on a reduced working week (LYHTYOVKO)"),
    _v("in_subsidised_employment", "tyonv_12r5", "month", "mean", "persons in subsidised employment: pay subsidy, start-up grant, employed by the state (TYOLLISTETTYLOP)", also=("tyonv_12u4",)),
    _v("in_work_practice", "tyonv_12r5", "month", "mean", "persons in work practice or work-life coaching (TYOHARJOITTELULOP)"),
    _v("in_work_trial", "tyonv_12r5", "month", "mean", "persons in a work or training trial (KOKEILULOP)", also=("tyonv_12u4",)),
    _v("in_labour_market_training", "tyonv_12r5", "month", "mean", "persons in labour market training (TVKOULUTUSLOP)", also=("tyonv_12u4",)),
    _v("in_coaching", "tyonv_12r5", "month", "mean", "persons in coaching (VALMENNUSLOP)", also=("tyonv_12u4",)),
    _v("in_other_services", "tyonv_12r5", "month", "mean",
       "persons in other services: rehabilitative work, job alternation substitutes, self-motivated study (MTPPALVELUTLOP; "
       "before 2022-03 the sum of 12u4's KUNTTYOLOP, OMAEHTLOP and VUORVAPLOP)", also=("tyonv_12u4",)),
    _v("population_men", "vaerak_11re", "year", "mean", "men, population on 31 December"),
    _v("population_women", "vaerak_11re", "year", "mean", "women, population on 31 December"),
    _v("population_under_15", "vaerak_11ra", "year", "mean", "population aged under 15: published share (0.1 %) × population"),
    _v("population_age_sum", "vaerak_11ra", "year", "mean", "sum of ages (years): published mean age × population, for the mean age of an area"),
    _v("births", "ssaaty_121w", "year", "sum", "live births during the year"),
    _v("deaths", "ssaaty_121w", "year", "sum", "deaths during the year"),
    _v("natural_increase", "ssaaty_121w", "year", "sum", "births minus deaths"),
    _v("internal_in_migration", "ssaaty_121w", "year", "sum", "moves into the municipality from another municipality"),
    _v("internal_out_migration", "ssaaty_121w", "year", "sum", "moves out of the municipality to another municipality"),
    _v("net_internal_migration", "ssaaty_121w", "year", "sum", "migration between municipalities, net"),
    _v("immigration", "ssaaty_121w", "year", "sum", "moves to Finland from abroad"),
    _v("emigration", "ssaaty_121w", "year", "sum", "moves from Finland abroad"),
    _v("net_immigration", "ssaaty_121w", "year", "sum", "immigration minus emigration"),
    _v("net_migration", "ssaaty_121w", "year", "sum", "net migration in all: between municipalities and with abroad"),
    _v("population_change", "ssaaty_121w", "year", "sum", "total change of the population during the year"),
    _v("unemployed_1001", "tyonv_1001", "month", "mean", "unemployed job seekers (the same table's total)"),
    _v("persons_in_services", "tyonv_12u4", "month", "mean", "persons in activation services at the end of the month (PALVELUISSAYHTEENSA)"),
    _v("persons_in_services_foreign", "tyonv_12u4", "month", "mean", "foreign citizens in activation services (PALVELUISSAYHTEENSAULK)"),
    _v("unemployed_foreign_12u5", "tyonv_12u4", "month", "mean", "unemployed foreign citizens (TYOTTOMATULK)"),
])


#: The variables that count things other than persons (vacancies, jobs, days); every other
#: variable counts persons, and disclosure control (:mod:`ohti.indicators.disclosure`) applies to it.
NON_PERSON_VARIABLES = frozenset({
    "vacancies", "vacancies_open_during_month", "new_vacancies", "filled_vacancies",
    "filled_vacancy_days", "jobs", "population_age_sum",
})


#: Variables that may be negative (a net flow or a change); every other value is a count.
SIGNED_VARIABLES = frozenset({
    "natural_increase", "net_internal_migration", "net_immigration", "net_migration", "population_change",
})


#: The variables that count persons (job seekers, labour force, population and its groups).
PERSON_VARIABLES = frozenset(VARIABLES) - NON_PERSON_VARIABLES

