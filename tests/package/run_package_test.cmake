# The installed package works for another program (ctest -L package): install the already-built
# tree into a fresh prefix (no rebuild), configure and build tests/package/consumer against it
# with find_package(zkmatch), run it on fixtures/cases/flow-chain and check what it prints.
# cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DGENERATOR=... -DCXX_COMPILER=...
#       -DBUILD_TYPE=... [-DSANITIZE=address,undefined] -P run_package_test.cmake
foreach(var IN ITEMS BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER BUILD_TYPE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_package_test.cmake needs -D${var}=...")
  endif()
endforeach()

function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(REPLACE ";" " " line "${ARGN}")
    message(FATAL_ERROR "failed (${rc}): ${line}\n${out}\n${err}")
  endif()
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(installed IN ITEMS bin/zkmatch include/zkmatch/admission.h lib/cmake/zkmatch/zkmatchConfig.cmake
                           lib/cmake/zkmatch/zkmatchConfigVersion.cmake)
  if(NOT EXISTS ${prefix}/${installed})
    message(FATAL_ERROR "cmake --install did not install ${installed}")
  endif()
endforeach()

# The static libraries were built with the sanitizers of this tree (if any); the program linking
# them needs their runtimes too.
set(flags "")
if(SANITIZE)
  set(flags -DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE} -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE})
endif()
step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package/consumer -B ${WORK_DIR}/consumer -G ${GENERATOR}
     -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${BUILD_TYPE} -DCMAKE_PREFIX_PATH=${prefix}
     ${flags})
step(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
step(${WORK_DIR}/consumer/consumer ${SOURCE_DIR}/fixtures/cases/flow-chain/rules.yaml)
# fixtures/cases/flow-chain/expected/placements.csv: a, b, e, f, g placed; d unplaced.
if(NOT step_output MATCHES "^placed 5 of 6 candidates")
  message(FATAL_ERROR "consumer printed: ${step_output}(expected \"placed 5 of 6 candidates\")")
endif()
message(STATUS "consumer: ${step_output}")
