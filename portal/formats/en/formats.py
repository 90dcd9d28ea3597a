"""Dates and times in the English interface, as a reader in Europe expects them.

Django's English formats are American ("03/01/2014", "2 p.m.", weeks from Sunday), which
readers in Germany misread. The portal writes the day before the month, dates in figures as
ISO 8601 (the same in every country), the 24-hour clock and weeks from Monday. German keeps
Django's own formats.

Date fields take ISO first: it is what <input type="date"> sends and expects, and what a
date input without a format of its own shows. Dates typed by hand may also be written
day/month/year or in the German way.
"""

DATE_FORMAT = "j F Y"  # 1 March 2027
TIME_FORMAT = "H:i"  # 14:30
DATETIME_FORMAT = "j F Y, H:i"  # 1 March 2027, 14:30
YEAR_MONTH_FORMAT = "F Y"  # March 2027
MONTH_DAY_FORMAT = "j F"  # 1 March
SHORT_DATE_FORMAT = "Y-m-d"  # 2027-03-01
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2027-03-01 14:30
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # 2027-03-01
    "%d/%m/%Y",  # 01/03/2027
    "%d.%m.%Y",  # 01.03.2027
]
TIME_INPUT_FORMATS = [
    "%H:%M",  # 14:30
    "%H:%M:%S",  # 14:30:59
    "%H:%M:%S.%f",  # 14:30:59.000200
]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",  # 2027-03-01 14:30
    "%Y-%m-%d %H:%M:%S",  # 2027-03-01 14:30:59
    "%Y-%m-%d %H:%M:%S.%f",  # 2027-03-01 14:30:59.000200
    "%d/%m/%Y %H:%M",  # 01/03/2027 14:30
    "%d/%m/%Y %H:%M:%S",  # 01/03/2027 14:30:59
    "%d.%m.%Y %H:%M",  # 01.03.2027 14:30
    "%d.%m.%Y %H:%M:%S",  # 01.03.2027 14:30:59
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
