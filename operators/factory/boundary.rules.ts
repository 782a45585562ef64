/** A boundary to place in a hierarchy. */
export interface BoundaryInput {
  code: string
  level: string
  parentCode: string | null
}

/** Why one boundary cannot join a hierarchy. */
export interface BoundaryProblem {
  /** Its index among those checked. */
  index: number
  column: 'level' | 'parentCode'
  code: 'unknown_level' | 'parent_required' | 'unknown_parent' | 'wrong_parent_level'
  message: string
}

/**
 * Why boundaries cannot join a hierarchy of `levels` (top first): a level it does not have, a
 * parent missing below the top level, a parent that is neither known (`knownParents`, code →
 * level) nor among them, or a parent not one level up (the top level takes none).
 */
export function boundaryProblems(
  levels: readonly string[],
  boundaries: readonly BoundaryInput[],
  knownParents: ReadonlyMap<string, string>,
): BoundaryProblem[] {
  const given = new Map(boundaries.map((b) => [b.code, b.level]))
  const problems: BoundaryProblem[] = []
  boundaries.forEach((b, index) => {
    const depth = levels.indexOf(b.level)
    if (depth === -1) {
      problems.push({
        index,
        column: 'level',
        code: 'unknown_level',
        message: `must be one of ${levels.join(', ')}`,
      })
      return
    }
    if (b.parentCode === null) {
      if (depth > 0)
        problems.push({
          index,
          column: 'parentCode',
          code: 'parent_required',
          message: `a ${b.level} needs a parent`,
        })
      return
    }
    const parentLevel = given.get(b.parentCode) ?? knownParents.get(b.parentCode)
    if (parentLevel === undefined)
      problems.push({
        index,
        column: 'parentCode',
        code: 'unknown_parent',
        message: `no boundary ${b.parentCode}`,
      })
    else if (levels.indexOf(parentLevel) !== depth - 1)
      problems.push({
        index,
        column: 'parentCode',
        code: 'wrong_parent_level',
        message: `must be a ${levels[depth - 1] ?? '(none: the top level has no parent)'}, not a ${parentLevel}`,
      })
  })
  return problems
}
