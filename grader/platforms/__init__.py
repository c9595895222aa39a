"""Where students are graded: GitHub Classroom, Gradescope, Canvas and Moodle, the notebook self-check and pytest."""
