# ruff: noqa: E501  (each row is one line of the file, as REDCap writes it)
"""A REDCap data dictionary as REDCap itself writes one (its 18 columns, its quoting), kept as
text so the import tests read exactly these bytes."""

DICTIONARY = """"Variable / Field Name","Form Name","Section Header","Field Type","Field Label","Choices, Calculations, OR Slider Labels","Field Note","Text Validation Type OR Show Slider Number","Text Validation Min","Text Validation Max",Identifier?,"Branching Logic (Show field only if...)","Required Field?","Custom Alignment","Question Number (surveys only)","Matrix Group Name","Matrix Ranking?","Field Annotation"
record_id,wellbeing_check,,text,"Record ID",,,,,,,,,,,,,
intro,wellbeing_check,"About this check",descriptive,"<b>Please answer</b> about the last week.",,,,,,,,,,,,,
mood,wellbeing_check,,radio,"How often have you felt low?","0, Not at all | 1, Several days | 2, More than half the days | 3, Nearly every day",,,,,,,y,,,,,
mood_note,wellbeing_check,,notes,"What made it hard?",,"Optional",,,,,"[mood] = '3'",,,,,,
sleep_hours,wellbeing_check,,text,"Hours of sleep last night",,,integer,0,24,,,,,,,,
slept_well,wellbeing_check,,yesno,"Did you sleep well?",,,,,,,,,,,,,
nap,wellbeing_check,,truefalse,"I napped today",,,,,,,"[slept_well] = '0'",,,,,,
sleep_quality,wellbeing_check,,slider,"Rate your sleep","Very poor | | Very good",,number,0,10,,,,,,,,
worries,wellbeing_check,,checkbox,"What worries you? (check all)","1, Money | 2, Housing | 3, Health",,,,,,,,,,,,
support,wellbeing_check,,dropdown,"Who helps you most?","partner, Partner | family, Family | 9, No one",,,,,,,,,,,,
support_other,wellbeing_check,,text,"Who else could help?",,,,,,,"[support] = '9' or [support] = 'family'",,,,,,
feel_safe,wellbeing_check,,radio,"Do you feel safe at home?","1, Yes | 0, No",,,,,,"[mood] > 1",,,,,,
visit_date,wellbeing_check,,text,"Date of your last visit",,,date_ymd,,,y,,,,,,,
sleep_score,wellbeing_check,,calc,"Sleep score","[sleep_hours]*2",,,,,,,,,,,,
weight,baseline_info,,text,"Weight (kg)",,,number,30,200,,,,,,,,
"""
