# Writes INPUT as a C++ raw string literal into OUTPUT (used for stdlib/prelude.rflow).
file(READ ${INPUT} CONTENT)
file(WRITE ${OUTPUT} "R\"rflow_prelude(${CONTENT})rflow_prelude\"")
