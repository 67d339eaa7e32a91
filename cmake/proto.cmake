# rc_proto_generate(<out-var> <file.proto>...): runs protoc-c at build time; the
# generated .pb-c.[ch] land in the build tree and are never committed.
function(rc_proto_generate out)
  set(srcs)
  foreach(p ${ARGN})
    get_filename_component(name ${p} NAME_WE)
    get_filename_component(abs ${p} ABSOLUTE)
    get_filename_component(dir ${abs} DIRECTORY)
    set(c ${CMAKE_CURRENT_BINARY_DIR}/${name}.pb-c.c)
    set(h ${CMAKE_CURRENT_BINARY_DIR}/${name}.pb-c.h)
    add_custom_command(OUTPUT ${c} ${h}
      COMMAND ${PROTOC_C} --c_out=${CMAKE_CURRENT_BINARY_DIR} -I${dir} ${abs}
      DEPENDS ${abs} COMMENT "protoc-c ${name}.proto" VERBATIM)
    list(APPEND srcs ${c})
  endforeach()
  set(${out} ${srcs} PARENT_SCOPE)
endfunction()

# rc_library(<name> DIR): a static library from every .c file in DIR (globbed, so
# adding a file needs no edit here).
function(rc_library name dir)
  file(GLOB srcs CONFIGURE_DEPENDS ${dir}/*.c)
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC ${dir})
endfunction()
