"""The demo generator: a landing folder with known fabrication and known bad input.

Why: the pipeline and its padding detectors need data whose truth is known.
`demo.generate.generate` writes a folder that follows the landing contract
(sources/contract.py) with honest behaviour that *looks* like padding beside
planted fabrication, plus invalid rows and files, and the truth in `_truth/`.
The flow, one module per idea:

    world      the calendar, units, villages, cadres, devices and campaigns
    roles      who is planted for which flag code, who helps, who is a look-alike
    honest/    honest events per source (logins, check-ins, votes, cases, reports)
    planting/  one planter per flag code, grouped by the source holding its evidence
    evasion    the dial: how hard each planted pattern hides, level 0 (textbook) to 3
    lookalikes honest behaviour that resembles padding (levels 1-3)
    corruption invalid rows and rejected files
    delivery   ids, delivery days, re-deliveries; rows formatted as text
    encoding   rows -> CSV / JSONL / Parquet / gzip files in dt= folders
    truth      _truth/flags.csv, invalid.csv, lookalikes.csv, summary.json
    generate   the entry point
    evaluation precision and recall per flag code against that truth

Flag codes come from the flag registry (`demo.registry`), schemas from the
landing contract (`demo.schema`). Everything is drawn from one seeded numpy
Generator in a fixed order, so a seed and level write byte-identical files.
"""
