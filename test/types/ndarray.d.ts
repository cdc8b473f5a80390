// scijs `ndarray` ships no types: what the tests use of it.
declare module 'ndarray' {
  interface Ndarray {
    readonly data: ArrayLike<number>;
    readonly shape: number[];
    readonly stride: number[];
    readonly offset: number;
    hi(...i: number[]): Ndarray;
    lo(...i: number[]): Ndarray;
    step(...i: number[]): Ndarray;
    transpose(...axes: number[]): Ndarray;
    pick(...i: (number | null)[]): Ndarray;
  }
  function ndarray(data: ArrayLike<number>, shape?: number[], stride?: number[], offset?: number): Ndarray;
  export default ndarray;
}
