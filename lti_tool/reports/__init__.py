"""Reports: what statements say about learners, read back from the report source.

`source` opens the report source (the embedded LRS by default, or any conformant LRS named
by LEADPATH_REPORT_LRS_ENDPOINT) and reads a learner's statements through the xAPI statements
query; `journey` turns them into the learner's journey; `portfolio` renders it as evidence
for appraisal, revalidation and ARCP; `views` serves the pages.
"""
