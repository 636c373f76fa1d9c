# docs/api.md (IN) as the source of the man page nsrun-lua(7) (OUT): a
# title block and a NAME section for go-md2man, then the reference without
# its first heading.
file(READ ${IN} text)
string(REGEX REPLACE "^# [^\n]*\n" "" text "${text}")
file(WRITE ${OUT}.tmp "% NSRUN-LUA 7 \"December 2026\" \"nsrun ${VERSION}\" \"nsrun manual\"

# NAME

nsrun-lua - the Lua API of nsrun: labs, nodes, links, addresses, routes, checks

# DESCRIPTION
${text}
# SEE ALSO

**nsrun**(1), **lua**(1), **ip-netns**(8)
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
