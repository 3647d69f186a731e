"""Where vaccination events come from: CommCare form forwarding, the generic JSON API, CSV backfill.

Every source produces the same `VaccinationEvent`, the input to issuance.
"""
