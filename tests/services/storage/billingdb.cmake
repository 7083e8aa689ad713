# Billing database tests: the same cases against SQLite and the PostgreSQL server of the
# `postgres` fixture (scripts/postgres.sh). Included from this folder's CMakeLists.txt.
bc_add_test(tst_billingdatabase
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_billingdatabase.cpp
  LIBS bc_storage Qt6::Sql
  POSTGRES)
bc_add_test(tst_asyncbillingdatabase
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/tst_asyncbillingdatabase.cpp
  LIBS bc_storage Qt6::Sql
  POSTGRES)
